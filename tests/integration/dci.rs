//! The DCI social registry API: every message sent and every answer got is
//! validated against the vendored DCI 1.0.0 OpenAPI description; scope,
//! masking, audit, paging, households, transaction status and refusals.

use jiuzhu_tests::{TestApp, id_born, spawn_app};
use serde_json::{Value, json};

const SPEC: &str = include_str!("../../crates/needs-assessment/schemas/dci/social_api_v1.0.0.yaml");

/// The spec as JSON, its two references through a `$ref` pointed at the
/// components they mean, and its two `oneOf`s whose alternatives overlap
/// read as `anyOf` (see the vendored README).
fn spec() -> Value {
    let text = SPEC
        .replace(
            "#/paths/~1registry~1search/post/requestBody/content/application~1json/schema/properties/message/oneOf/0/",
            "#/components/schemas/SearchRequest/",
        )
        .replace(
            "#/paths/~1registry~1txn~1on-status/post/requestBody/content/application~1json/schema/properties/message/oneOf/0/",
            "#/components/schemas/TxnStatusResponse/",
        )
        .replace("/properties/query/oneOf/", "/properties/query/anyOf/");
    let mut spec: Value = serde_norway::from_str(&text).unwrap();
    for overlapping in [
        "/components/schemas/SearchRequest/properties/search_request/items/properties/search_criteria/properties/query",
        "/components/schemas/TxnStatusRequest/properties/txnstatus_request/properties/attribute_value",
    ] {
        let schema = spec.pointer_mut(overlapping).unwrap().as_object_mut().unwrap();
        let alternatives = schema.remove("oneOf").unwrap();
        schema.insert("anyOf".into(), alternatives);
    }
    spec
}

/// A validator of the schema at `pointer` (a JSON pointer into the spec).
fn schema_at(pointer: &str) -> jsonschema::Validator {
    let mut root = spec();
    root["$ref"] = json!(format!("#{pointer}"));
    jsonschema::validator_for(&root).unwrap()
}

fn path_schema(path: &str, part: &str) -> jsonschema::Validator {
    let escaped = path.replace('/', "~1");
    let at = match part {
        "request" => format!("/paths/{escaped}/post/requestBody/content/application~1json/schema"),
        _ => format!("/paths/{escaped}/post/responses/default/content/application~1json/schema"),
    };
    schema_at(&at)
}

fn assert_valid(validator: &jsonschema::Validator, what: &str, instance: &Value) {
    let errors: Vec<String> = validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{what} breaks the DCI schema: {errors:#?}\n{instance:#}");
}

struct Dci {
    search_request: jsonschema::Validator,
    search_answer: jsonschema::Validator,
    status_request: jsonschema::Validator,
    status_answer: jsonschema::Validator,
}

impl Dci {
    fn new() -> Self {
        Self {
            search_request: path_schema("/registry/sync/search", "request"),
            search_answer: path_schema("/registry/sync/search", "response"),
            status_request: path_schema("/registry/sync/txn/status", "request"),
            status_answer: path_schema("/registry/sync/txn/status", "response"),
        }
    }

    /// Sends a spec-valid search message and returns the spec-valid answer.
    async fn search(&self, app: &TestApp, token: &str, body: &Value) -> Value {
        assert_valid(&self.search_request, "the search message", body);
        let reply = app.post_json("/api/v1/dci/registry/sync/search", Some(token), body).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_valid(&self.search_answer, "the on-search answer", &reply.body);
        reply.body
    }

    /// Sends a search message that may break the schema; checks the HTTP
    /// status and that the answer keeps the spec's shape.
    async fn refused(&self, app: &TestApp, token: &str, body: &Value, status: u16) -> Value {
        let reply = app.post_json("/api/v1/dci/registry/sync/search", Some(token), body).await;
        assert_eq!(reply.status, status, "{}", reply.text);
        assert_eq!(reply.content_type(), "application/json");
        assert_valid(&self.search_answer, "a refusal", &reply.body);
        assert_eq!(reply.body["header"]["status"], "rjct", "{}", reply.text);
        assert!(reply.body.get("message").is_none());
        reply.body
    }

    async fn status(&self, app: &TestApp, token: &str, body: &Value) -> Value {
        assert_valid(&self.status_request, "the status message", body);
        let reply = app.post_json("/api/v1/dci/registry/sync/txn/status", Some(token), body).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_valid(&self.status_answer, "the txn-on-status answer", &reply.body);
        reply.body
    }
}

const TS: &str = "2025-03-01T09:30:00+08:00";

fn header(message_id: &str, action: &str, total: usize) -> Value {
    json!({"version": "1.0.0", "message_id": message_id, "message_ts": TS, "action": action, "sender_id": "ybj.example.gov.cn", "receiver_id": "jiuzhu", "total_count": total})
}

fn message(message_id: &str, transaction_id: &str, requests: Vec<Value>) -> Value {
    json!({"header": header(message_id, "search", requests.len()), "message": {"transaction_id": transaction_id, "search_request": requests}})
}

fn request(reference: &str, criteria: Value) -> Value {
    let mut criteria = criteria;
    criteria["authorize"] = json!({"purpose": {"text": "医疗救助资助参保核对"}});
    json!({"reference_id": reference, "timestamp": TS, "search_criteria": criteria})
}

fn by_id(reference: &str, id: &str) -> Value {
    request(
        reference,
        json!({"version": "1.0.0", "reg_event_type": "REGISTER", "query_type": "idtype-value", "query": {"type": "NationalID", "value": id}}),
    )
}

fn attribute(name: &str, value: &str) -> Value {
    json!({"attribute_name": name, "operator": "eq", "attribute_value": value})
}

fn answers(answer: &Value) -> &Vec<Value> {
    answer["message"]["search_response"].as_array().unwrap()
}

fn records(entry: &Value) -> &Vec<Value> {
    entry["data"]["reg_records"].as_array().unwrap()
}

fn extra<'a>(record: &'a Value, name: &str) -> &'a Value {
    &record["additional_attributes"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap()["value"]
}

async fn register(app: &TestApp, token: &str, id_number: &str, region: &str, category: &str) -> String {
    let body = json!({"name": "老人", "id_number": id_number, "region_code": region, "categories": [{"category": category, "support_mode": "dispersed", "valid_from": "2024-01-01"}], "groups": ["living_alone"]});
    let body = if category == "extreme_poverty" {
        body
    } else {
        json!({"name": "老人", "id_number": id_number, "region_code": region, "categories": [{"category": category, "valid_from": "2024-01-01"}]})
    };
    let reply = app.post_json("/api/v1/beneficiaries", Some(token), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body["id"].as_str().unwrap().to_string()
}

async fn setup(app: &TestApp) -> String {
    let admin = app.admin_token().await;
    for (code, name) in [("640202001", "甲街道"), ("640202001001", "甲社区"), ("640205100", "红果子镇"), ("640205100201", "红果子村")]
    {
        app.add_region(&admin, code, name).await;
    }
    admin
}

#[actix_web::test]
async fn a_dci_search_answers_each_request_in_the_spec_shape_within_scope() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let dci = Dci::new();
    let here = id_born("1944-03-01", 1);
    let second = id_born("1946-03-01", 2);
    let there = id_born("1950-05-05", 3);
    register(&app, &admin, &here, "640202001001", "extreme_poverty").await;
    register(&app, &admin, &second, "640202001001", "extreme_poverty").await;
    register(&app, &admin, &there, "640205100201", "subsistence_allowance").await;
    let city = app.department_token(&admin, "medical_insurance").await;

    let bad_checksum = format!("{}{}", &here[..17], if here.ends_with('0') { '1' } else { '0' });
    let people = request(
        "r-people",
        json!({"query_type": "predicate", "query": [{"seq_num": 1, "expression1": attribute("region_code", "640202"), "condition": "and", "expression2": attribute("category", "extreme_poverty")}],
               "sort": [{"attribute_name": "registration_date", "sort_order": "asc"}], "pagination": {"page_size": 1, "page_number": 2}}),
    );
    let mut no_purpose = by_id("r-no-purpose", &here);
    no_purpose["search_criteria"].as_object_mut().unwrap().remove("authorize");
    let mut in_chinese = by_id("r-zho", &here);
    in_chinese["locale"] = json!("zho");
    let sent = message(
        "m-1",
        "t-1",
        vec![
            by_id("r-here", &here),
            by_id("r-unlisted", &id_born("1970-01-01", 9)),
            by_id("r-bad", &bad_checksum),
            people,
            by_id("r-here", &there),
            no_purpose,
            in_chinese,
        ],
    );
    let answer = dci.search(&app, &city, &sent).await;
    assert_eq!(answer["header"]["status"], "succ");
    assert_eq!(answer["header"]["action"], "on-search");
    assert_eq!((answer["header"]["total_count"].as_i64(), answer["header"]["completed_count"].as_i64()), (Some(7), Some(7)));
    assert_eq!(answer["header"]["receiver_id"], "ybj.example.gov.cn");
    assert_eq!(answer["message"]["transaction_id"], "t-1");
    let correlation = answer["message"]["correlation_id"].as_str().unwrap().to_string();
    let entries = answers(&answer);
    let references: Vec<&str> = entries.iter().map(|e| e["reference_id"].as_str().unwrap()).collect();
    assert_eq!(references, ["r-here", "r-unlisted", "r-bad", "r-people", "r-here", "r-no-purpose", "r-zho"], "in the order asked");
    let statuses: Vec<&str> = entries.iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["succ", "succ", "rjct", "succ", "rjct", "rjct", "succ"]);

    let found = &records(&entries[0])[0];
    assert_eq!(found["@type"], "spdci:Member");
    let masked = format!("{}********{}", &here[..6], &here[14..]);
    assert_eq!(found["member_identifier"][0]["identifier_value"], masked.as_str(), "masked: {found}");
    assert_eq!(found["demographic_info"]["name"]["surname"], "老");
    assert_eq!(found["demographic_info"]["name"]["given_name"], "**");
    assert!(found["demographic_info"].get("birth_date").is_none(), "a masked number's hidden digits are the birth date");
    assert!(!found.to_string().contains(&here[6..14]), "the birth date appears nowhere: {found}");
    assert_eq!(extra(found, "categories")[0]["code"], "extreme_poverty");
    assert_eq!(extra(found, "categories")[0]["label"], "Extreme poverty");
    assert_eq!(extra(&records(&entries[6])[0], "categories")[0]["label"], "特困人员", "zho gives Chinese labels");
    assert_eq!(entries[0]["pagination"], json!({"page_size": 1, "page_number": 1, "total_count": 1}));
    assert!(records(&entries[1]).is_empty(), "an unlisted person is a success with no record");
    assert_eq!(entries[2]["status_reason_code"], "rjct.search_criteria.invalid");
    assert_eq!(entries[4]["status_reason_code"], "rjct.reference_id.duplicate");
    assert_eq!(entries[5]["status_reason_code"], "rjct.search_criteria.invalid");
    assert!(entries[5]["status_reason_message"].as_str().unwrap().contains("purpose"));
    assert_eq!(
        entries[3]["pagination"],
        json!({"page_size": 1, "page_number": 2, "total_count": 2}),
        "two extreme-poverty people here, page 2 of 2"
    );
    let paged = &records(&entries[3])[0];
    assert_eq!(
        paged["member_identifier"][0]["identifier_value"],
        format!("{}********{}", &second[..6], &second[14..]),
        "ordered by registration"
    );

    let audit = app.get("/api/v1/audit-events?action=registry.searched", Some(&admin)).await;
    let rows = audit.body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "one audit row per request searched: {}", audit.text);
    assert!(rows.iter().all(|r| r["detail"]["via"] == "dci"
        && r["detail"]["purpose"] == "医疗救助资助参保核对"
        && r["entity_id"] == correlation.as_str()));
    assert!(!audit.text.contains(&here), "the audit names people by internal id only");

    let county = app
        .client_token(
            &admin,
            &json!({"name": "惠农区医保局", "role": "department", "department": "medical_insurance", "region_code": "640205"}),
        )
        .await
        .1;
    let scoped = dci.search(&app, &county, &message("m-1", "t-c", vec![by_id("c-1", &here), by_id("c-2", &there)])).await;
    let counts: Vec<usize> = answers(&scoped).iter().map(|e| records(e).len()).collect();
    assert_eq!(counts, [0, 1], "a person outside the caller's area is not found; the same message id from another sender is its own");

    let again = dci.search(&app, &city, &message("m-1", "t-again", vec![by_id("r-1", &here)])).await;
    assert_eq!(
        (again["header"]["status"].as_str(), again["header"]["status_reason_code"].as_str()),
        (Some("rjct"), Some("rjct.message_id.duplicate"))
    );
    assert!(again.get("message").is_none());

    let status = |id: &str, attribute_type: &str, value: Value| json!({"header": header(id, "txn-status", 1), "message": {"transaction_id": "t-1", "txnstatus_request": {"reference_id": "s-1", "txn_type": "search", "attribute_type": attribute_type, "attribute_value": value}}});
    let by_transaction = dci.status(&app, &city, &status("s-1", "transaction_id", json!("t-1"))).await;
    assert_eq!(by_transaction["header"]["status"], "succ");
    assert_eq!(by_transaction["message"]["correlation_id"], correlation.as_str());
    assert_eq!(by_transaction["message"]["txnstatus_response"]["txn_status"]["search_response"].as_array().unwrap().len(), 7);
    let by_correlation = dci.status(&app, &city, &status("s-2", "correlation_id", json!(correlation))).await;
    assert_eq!(
        by_correlation["message"]["txnstatus_response"]["txn_status"],
        by_transaction["message"]["txnstatus_response"]["txn_status"]
    );
    let by_reference = dci.status(&app, &city, &status("s-3", "reference_id_list", json!(["r-bad", "r-people"]))).await;
    let named: Vec<&str> = by_reference["message"]["txnstatus_response"]["txn_status"]["search_response"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reference_id"].as_str().unwrap())
        .collect();
    assert_eq!(named, ["r-bad", "r-people"]);
    let someone_else = dci.status(&app, &county, &status("s-4", "correlation_id", json!(correlation))).await;
    assert_eq!(someone_else["header"]["status"], "rjct", "another caller's transaction is unknown");
    assert!(someone_else.get("message").is_none());

    let officer = app.add_user(&admin, "county.officer", "county_officer", "640202", json!({})).await;
    assert_eq!(officer["role"], "county_officer");
    let officer = app.login("county.officer", "password-1234").await;
    app.post_json("/api/v1/dci/registry/sync/search", Some(&officer), &message("m-o", "t-o", vec![by_id("o", &here)]))
        .await
        .assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn a_refused_dci_message_says_why_in_its_header() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let dci = Dci::new();
    let city = app.department_token(&admin, "medical_insurance").await;
    let one = || vec![by_id("r", &id_born("1944-03-01", 1))];
    let with = |id: &str, change: &dyn Fn(&mut Value)| {
        let mut sent = message(id, "t", one());
        change(&mut sent);
        sent
    };
    // (message, HTTP status, header reason): 400 for a message the schema
    // refuses, 200 for a rule it cannot state.
    let cases: Vec<(Value, u16, Option<&str>)> = vec![
        (with("v", &|m| m["header"]["version"] = json!("0.9.0")), 400, Some("rjct.version.invalid")),
        (with("ts", &|m| m["header"]["message_ts"] = json!("yesterday")), 400, Some("rjct.message_ts.invalid")),
        (with("c", &|m| m["header"]["total_count"] = json!(2)), 200, Some("rjct.total_count.invalid")),
        (
            message("many", "t", (0..101).map(|n| by_id(&format!("r{n}"), &id_born("1944-03-01", n))).collect()),
            400,
            Some("rjct.total_count.limit_exceeded"),
        ),
        (with("enc", &|m| m["header"]["is_msg_encrypted"] = json!(true)), 200, None),
        (
            with("id", &|m| {
                m["header"].as_object_mut().unwrap().remove("message_id");
            }),
            400,
            None,
        ),
        (with("shape", &|m| m["message"]["search_request"][0]["search_criteria"]["pagination"] = json!({"page_size": "ten"})), 400, None),
        (with("none", &|m| m["message"]["search_request"] = json!([])), 400, None),
    ];
    for (sent, status, code) in cases {
        let answer = dci.refused(&app, &city, &sent, status).await;
        let id = sent["header"]["message_id"].as_str().unwrap_or("id");
        assert_eq!(answer["header"]["status_reason_code"].as_str(), code, "{id}: {answer}");
        assert!(answer["header"]["status_reason_message"].as_str().is_some_and(|m| !m.is_empty()), "{id}: {answer}");
    }
    let id_named = dci
        .refused(
            &app,
            &city,
            &with("id2", &|m| {
                m["header"].as_object_mut().unwrap().remove("message_id");
            }),
            400,
        )
        .await;
    assert!(id_named["header"]["status_reason_message"].as_str().unwrap().contains("message_id"), "{id_named}");
    let shape_named = dci
        .refused(
            &app,
            &city,
            &with("shape2", &|m| m["message"]["search_request"][0]["search_criteria"]["pagination"] = json!({"page_size": "ten"})),
            400,
        )
        .await;
    assert!(
        shape_named["header"]["status_reason_message"].as_str().unwrap().contains("search_request[0].search_criteria.pagination.page_size"),
        "{shape_named}"
    );
    let zoned = with("zoned", &|m| m["message"]["search_request"][0]["timestamp"] = json!("2025-03-01T01:30:00Z"));
    assert_eq!(dci.search(&app, &city, &zoned).await["header"]["status"], "succ");
    let long = message("long", "t", vec![by_id(&"r".repeat(201), &id_born("1944-03-01", 1))]);
    let answer = dci.search(&app, &city, &long).await;
    assert_eq!(answer["header"]["status"], "succ", "a bad reference rejects its request, not the message: {answer}");
    assert_eq!(answers(&answer)[0]["status_reason_code"], "rjct.reference_id.invalid");
    let wrong_action = json!({"header": header("w", "search", 1), "message": {"transaction_id": "t", "search_request": one()}});
    let reply = app.post_json("/api/v1/dci/registry/sync/txn/status", Some(&city), &wrong_action).await;
    assert_eq!((reply.status, reply.body["header"]["status_reason_code"].as_str()), (200, Some("rjct.action.invalid")), "{}", reply.text);
    assert_valid(&dci.status_answer, "a refusal", &reply.body);
    let request = app.request(awc::http::Method::POST, "/api/v1/dci/registry/sync/search").bearer_auth(&city);
    app.send(request, Some(("application/json", b"{not json".to_vec()))).await.assert_problem(400, "malformed_json");
    app.post_json("/api/v1/dci/registry/sync/search", None, &message("n", "t", one())).await.assert_problem(401, "unauthenticated");
    let audit = app.get("/api/v1/audit-events?action=registry.searched", Some(&admin)).await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1, "only the message with a valid header searched: {}", audit.text);
}

#[actix_web::test]
async fn a_dci_group_answer_carries_the_household_and_its_members() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let dci = Dci::new();
    let grandpa_id = id_born("1944-03-01", 1);
    let grandpa = register(&app, &admin, &grandpa_id, "640202001001", "extreme_poverty").await;
    let child = register(&app, &admin, &id_born("2015-06-01", 2), "640202001001", "subsistence_allowance").await;
    let alone_id = id_born("1948-03-01", 3);
    register(&app, &admin, &alone_id, "640202001001", "extreme_poverty").await;
    let household = app
        .post_json(
            "/api/v1/households",
            Some(&admin),
            &json!({"head_beneficiary_id": grandpa, "members": [{"beneficiary_id": child, "relationship": "grandchild"}]}),
        )
        .await;
    assert_eq!(household.status, 201, "{}", household.text);
    let city = app.department_token(&admin, "medical_insurance").await;
    let as_group = |reference: &str, criteria: Value| {
        let mut r = request(reference, criteria);
        r["search_criteria"]["response_entity"] = json!("Group");
        r
    };
    let sent = message(
        "g-1",
        "t-g",
        vec![
            as_group("g-id", json!({"query_type": "idtype-value", "query": {"type": "UIN", "value": grandpa_id}})),
            as_group("g-alone", json!({"query_type": "idtype-value", "query": {"type": "UIN", "value": alone_id}})),
            as_group("g-all", json!({"query_type": "predicate", "query": [{"expression1": attribute("region_code", "640202001001")}]})),
            request(
                "m-expr",
                json!({"query_type": "expression", "query": {"type": "ns:org:QueryType:NoSql", "value": {"expression": {"collection": "Member", "query": {"$and": [{"category": {"$eq": "extreme_poverty"}}, {"group": "elderly"}]}}}}}),
            ),
        ],
    );
    let answer = dci.search(&app, &city, &sent).await;
    let entries = answers(&answer);
    let family = &records(&entries[0])[0];
    assert_eq!(family["@type"], "spdci:Group");
    assert_eq!(family["group_type"], "household");
    assert_eq!(family["group_size"], 2);
    assert_eq!(family["member_list"][0]["relationship_head"], "head");
    assert_eq!(family["member_list"][1]["relationship_head"], "grandchild");
    assert_eq!(family["group_head_info"]["@id"], format!("urn:jiuzhu:beneficiary:{grandpa}"));
    let alone = &records(&entries[1])[0];
    assert_eq!((alone["group_type"].as_str(), alone["group_size"].as_u64()), (Some("individual"), Some(1)));
    assert_eq!(records(&entries[2]).len(), 2, "three people, two groups: the household once");
    assert_eq!(entries[2]["pagination"]["total_count"], 3, "pages count people");
    assert_eq!(entries[3]["pagination"]["total_count"], 2, "the expression finds the two elderly extreme-poverty people: {}", entries[3]);
}

#[actix_web::test]
async fn an_asynchronous_dci_search_is_acknowledged_then_answered_at_the_senders_webhook() {
    use crate::webhooks::{SECRET, fast_retrying_app, register as register_webhook, start_receiver, verify_signature, wait_for_log};
    let app = fast_retrying_app().await;
    let admin = app.admin_token().await;
    for (code, name) in [("640202001", "甲街道"), ("640202001001", "甲社区")] {
        app.add_region(&admin, code, name).await;
    }
    let dci = Dci::new();
    let ack_schema = schema_at("/components/responses/Response/content/application~1json/schema");
    let on_search = path_schema("/registry/on-search", "request");
    let on_status = path_schema("/registry/txn/on-status", "request");
    let here = id_born("1944-03-01", 1);
    register(&app, &admin, &here, "640202001001", "extreme_poverty").await;
    let city = app.department_token(&admin, "medical_insurance").await;
    let receiver = start_receiver(1);
    let hook = register_webhook(&app, &city, &receiver.url, json!(["dci.on_search", "dci.txn_on_status"])).await;

    let mut sent = message("a-1", "t-async", vec![by_id("r-1", &here)]);
    sent["header"]["sender_uri"] = json!(receiver.url);
    assert_valid(&dci.search_request, "the search message", &sent);
    let acked = app.post_json("/api/v1/dci/registry/search", Some(&city), &sent).await;
    assert_eq!(acked.status, 202, "{}", acked.text);
    assert_valid(&ack_schema, "the acknowledgement", &acked.body);
    assert_eq!(acked.body["message"]["ack_status"], "ACK");
    let correlation = acked.body["message"]["correlation_id"].as_str().unwrap().to_string();

    let hook_id = hook["id"].as_str().unwrap();
    let log = wait_for_log(&app, &city, hook_id, |log| log["items"][0]["status"] == "succeeded").await;
    assert_eq!(log["items"][0]["attempts"], 2, "the first attempt failed and was retried: {log}");
    assert_eq!(log["items"][0]["event_type"], "dci.on_search");
    let received = receiver.seen.lock().unwrap().last().cloned().unwrap();
    verify_signature(&received);
    let callback: Value = serde_json::from_str(&received.body).unwrap();
    assert_valid(&on_search, "the on-search callback", &callback);
    assert_eq!(callback["header"]["action"], "on-search");
    assert_eq!(callback["message"]["correlation_id"], correlation.as_str());
    let found = &records(&answers(&callback)[0])[0];
    assert_eq!(found["member_identifier"][0]["identifier_value"], format!("{}********{}", &here[..6], &here[14..]), "masked: {found}");
    let (t, mac) = callback["signature"].as_str().unwrap().split_once(",v1=").unwrap();
    let signed = format!("{}.{}{}", t.trim_start_matches("t="), callback["header"], callback["message"]);
    assert_eq!(
        mac,
        jiuzhu_platform::hash::hmac_sha256_hex(SECRET.as_bytes(), signed.as_bytes()),
        "the envelope's signature covers header and message"
    );

    let mut status = json!({"header": header("s-async", "txn-status", 1), "message": {"transaction_id": "t-async", "txnstatus_request": {"reference_id": "s-1", "txn_type": "search", "attribute_type": "correlation_id", "attribute_value": correlation}}});
    status["header"]["sender_uri"] = json!(receiver.url);
    assert_valid(&dci.status_request, "the status message", &status);
    let acked = app.post_json("/api/v1/dci/registry/txn/status", Some(&city), &status).await;
    assert_eq!(acked.status, 202, "{}", acked.text);
    wait_for_log(&app, &city, hook_id, |log| log["items"].as_array().unwrap().len() == 2 && log["items"][0]["status"] == "succeeded").await;
    let received = receiver.seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(received.event_type, "dci.txn_on_status");
    let callback: Value = serde_json::from_str(&received.body).unwrap();
    assert_valid(&on_status, "the txn-on-status callback", &callback);
    assert_eq!(callback["message"]["correlation_id"], correlation.as_str());

    let mut elsewhere = message("a-2", "t-2", vec![by_id("r-1", &here)]);
    elsewhere["header"]["sender_uri"] = json!("https://someone-else.example.org/on-search");
    let refused = app.post_json("/api/v1/dci/registry/search", Some(&city), &elsewhere).await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert_valid(&ack_schema, "an ERR", &refused.body);
    assert_eq!(
        (refused.body["message"]["ack_status"].as_str(), refused.body["message"]["error"]["code"].as_str()),
        (Some("ERR"), Some("err.sender_uri.invalid"))
    );
    let mut broken = sent.clone();
    broken["header"]["message_id"] = json!("a-3");
    broken["message"]["search_request"][0]["search_criteria"]["query_type"] = json!("sql");
    let refused = app.post_json("/api/v1/dci/registry/search", Some(&city), &broken).await;
    assert_eq!((refused.status, refused.body["message"]["error"]["code"].as_str()), (400, Some("err.request.bad")), "{}", refused.text);
    let mut repeated = sent.clone();
    repeated["message"]["transaction_id"] = json!("t-again");
    assert_eq!(
        app.post_json("/api/v1/dci/registry/search", Some(&city), &repeated).await.status,
        202,
        "a rule the schema cannot state is answered at sender_uri"
    );
    let log =
        wait_for_log(&app, &city, hook_id, |log| log["items"].as_array().unwrap().len() == 3 && log["items"][0]["status"] == "succeeded")
            .await;
    assert_eq!(log["items"][0]["event_type"], "dci.on_search");
    let received = receiver.seen.lock().unwrap().last().cloned().unwrap();
    let callback: Value = serde_json::from_str(&received.body).unwrap();
    assert_valid(&on_search, "a refusal callback", &callback);
    assert_eq!(callback["header"]["status_reason_code"], "rjct.message_id.duplicate");
    let audit = app.get("/api/v1/audit-events?action=registry.searched", Some(&admin)).await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1, "one search ran: {}", audit.text);
}
