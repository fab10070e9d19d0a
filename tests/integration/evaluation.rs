//! Evaluation: the whole path to publication, appeals whose review is final,
//! and acceptance gated on the final evaluation.

use jiuzhu_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

const LEAVES: [&str; 9] = [
    "administration",
    "standardisation",
    "progress",
    "quality_supervision",
    "risk_contingency",
    "implementation",
    "effectiveness",
    "satisfaction",
    "social_benefit",
];

fn sheet(score: u32) -> Value {
    json!({"scores": LEAVES.iter().map(|l| json!({"indicator": l, "score": score})).collect::<Vec<_>>()})
}

fn report() -> Value {
    json!({"overview": "概况", "organisation": "组织", "target_achievement": "目标完成", "problems_and_causes": "问题", "conclusion": "结论", "recommendations": "建议"})
}

/// An evaluation group: its members as the plan names them, and the token
/// each signs its own sheet with.
struct Group {
    members: Value,
    tokens: Vec<String>,
}

static NEXT_MEMBER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// The officer (by token) and two outside members, the accountant and the
/// beneficiaries' representative, with `review_member` accounts of their own.
async fn group(app: &TestApp, admin: &str, officer: &str) -> Group {
    let officer_id = app.get("/api/v1/me", Some(officer)).await.body["subject"].clone();
    let mut accounts = vec![officer_id];
    let mut tokens = vec![officer.to_string()];
    for _ in 0..2 {
        let username = format!("group.member{}", NEXT_MEMBER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        accounts.push(app.add_user(admin, &username, "review_member", "640202", json!({})).await["id"].clone());
        tokens.push(app.login(&username, "password-1234").await);
    }
    let members = json!([
        {"name": "张科长", "role": "assistance_staff", "professional_title": "intermediate", "accountant": false, "user_id": accounts[0]},
        {"name": "李会计", "role": "finance_staff", "professional_title": "intermediate", "accountant": true, "user_id": accounts[1]},
        {"name": "王大妈", "role": "beneficiary_rep", "professional_title": "none", "accountant": false, "user_id": accounts[2]}
    ]);
    Group { members, tokens }
}

fn plan() -> Value {
    json!({"standards": "合同标准", "methods": "查阅台帐、走访", "schedule": "两周", "staff": "3人", "budget_fen": 50000, "risk_control": "回避"})
}

/// Plans, scores (each member under their own account), reports and
/// approves an evaluation; returns it.
async fn run(app: &TestApp, token: &str, project: &str, stage: &str, group: &Group, score: u32) -> Value {
    let planned = app
        .post_json(
            "/api/v1/evaluations",
            Some(token),
            &json!({"project_id": project, "stage": stage, "organizer": "purchaser_group", "members": group.members, "plan": plan()}),
        )
        .await;
    assert_eq!(planned.status, 201, "{}", planned.text);
    let id = planned.body["id"].as_str().unwrap().to_string();
    for member in &group.tokens {
        let scored = app.post_json(&format!("/api/v1/evaluations/{id}/scores"), Some(member), &sheet(score)).await;
        assert_eq!(scored.status, 201, "{}", scored.text);
    }
    let version = app.get(&format!("/api/v1/evaluations/{id}"), Some(token)).await.body["version"].as_i64().unwrap();
    let reported = app
        .post_json_with(&format!("/api/v1/evaluations/{id}/report"), Some(token), &report(), &[("If-Match", &format!("\"{version}\""))])
        .await;
    assert_eq!(reported.body["status"], "reported", "{}", reported.text);
    let approve = format!("/api/v1/evaluations/{id}/approve");
    let if_match = format!("\"{}\"", version + 1);
    let version = [("If-Match", if_match.as_str())];
    let own = app.post_json_with(&approve, Some(token), &json!({}), &version).await;
    own.assert_problem(422, "separation_of_duties");
    let approved = app.post_json_with(&approve, Some(&approver(app, token).await), &json!({}), &version).await;
    assert_eq!(approved.body["status"], "approved", "{}", approved.text);
    approved.body
}

/// The purchaser's officer who approves reports: another account than the
/// one that wrote them (made on first use).
async fn approver(app: &TestApp, admin: &str) -> String {
    let body = json!({"username": "report.approver", "display_name": "审核人", "role": "county_officer", "region_code": "640202", "password": "password-1234"});
    let made = app.post_json("/api/v1/users", Some(admin), &body).await;
    assert!(made.status == 201 || made.status == 409, "{}", made.text);
    app.login("report.approver", "password-1234").await
}

#[actix_web::test]
async fn a_project_goes_mid_term_to_final_to_publication_and_acceptance() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (project, contract, _) = app.contracted_project(&admin, 61).await;
    let group = group(&app, &admin, &admin).await;
    let members = &group.members;
    let plan_with = |members: &Value, stage: &str| json!({"project_id": project, "stage": stage, "organizer": "purchaser_group", "members": members, "plan": plan()});
    let early = app.post_json("/api/v1/evaluations", Some(&admin), &plan_with(members, "final")).await;
    early.assert_problem(422, "mid_term_required");
    let four = json!([members[0], members[1], members[2], members[2]]);
    app.post_json("/api/v1/evaluations", Some(&admin), &plan_with(&four, "mid_term")).await.assert_problem(422, "group_size_invalid");
    let mut unsigned = members.clone();
    unsigned[1]["user_id"] = Value::Null;
    let refused = app.post_json("/api/v1/evaluations", Some(&admin), &plan_with(&unsigned, "mid_term")).await;
    assert_eq!((refused.status, refused.body["errors"][0]["field"].as_str()), (422, Some("members[1].user_id")), "{}", refused.text);
    let acceptance = json!({"passed": true, "notes": "达标", "handover": ["台帐"]});
    let refused = app
        .post_json_with(&format!("/api/v1/procurement-projects/{project}/acceptance"), Some(&admin), &acceptance, &[("If-Match", "\"6\"")])
        .await;
    refused.assert_problem(422, "final_evaluation_required");

    let mid = run(&app, &admin, &project, "mid_term", &group, 85).await;
    assert_eq!((mid["total"].as_f64(), mid["grade"].as_str()), (Some(85.0), Some("good")));
    let mid_id = mid["id"].as_str().unwrap();
    let outsider = app.add_user(&admin, "outside.expert", "review_member", "640202", json!({})).await;
    let outsider = app.login(outsider["username"].as_str().unwrap(), "password-1234").await;
    app.post_json(&format!("/api/v1/evaluations/{mid_id}/scores"), Some(&outsider), &sheet(99)).await.assert_problem(422, "not_a_member");
    app.get(&format!("/api/v1/evaluations/{mid_id}"), Some(&outsider)).await.assert_problem(403, "forbidden");
    let seated = app.get(&format!("/api/v1/evaluations/{mid_id}"), Some(&group.tokens[1])).await;
    assert_eq!(seated.status, 200, "a member reads the evaluation it sits on: {}", seated.text);
    app.get(&format!("/api/v1/procurement-projects/{project}"), Some(&group.tokens[1])).await.assert_problem(403, "forbidden");
    let final_eval = run(&app, &admin, &project, "final", &group, 92).await;
    assert_eq!(final_eval["grade"], "excellent");
    let id = final_eval["id"].as_str().unwrap();
    let version = final_eval["version"].as_i64().unwrap();
    let published = app
        .post_json_with(&format!("/api/v1/evaluations/{id}/publish"), Some(&admin), &json!({}), &[("If-Match", &format!("\"{version}\""))])
        .await;
    assert_eq!(published.body["status"], "published", "{}", published.text);
    let public = app.get("/api/v1/public/evaluations", None).await;
    assert_eq!(public.status, 200);
    let row = &public.body["items"][0];
    assert_eq!(
        (row["stage"].as_str(), row["grade"].as_str(), row["project_title"].as_str()),
        (Some("final"), Some("excellent"), Some("助餐"))
    );
    assert!(!public.text.contains("张科长"), "no personal data in the public list");

    let accepted = app
        .post_json_with(&format!("/api/v1/procurement-projects/{project}/acceptance"), Some(&admin), &acceptance, &[("If-Match", "\"6\"")])
        .await;
    assert_eq!(accepted.body["status"], "accepted", "{}", accepted.text);
    let settle = format!("/api/v1/procurement-projects/{project}/settle");
    let unpaid = app.post_json_with(&settle, Some(&admin), &json!({}), &[("If-Match", "\"7\"")]).await;
    unpaid.assert_problem(422, "settlement_incomplete");
    assert_eq!(unpaid.body["details"]["paid_fen"], 0, "{}", unpaid.text);
    for (kind, amount) in [("advance", 36_000), ("progress", 18_000), ("final", 36_000)] {
        let paid = app
            .post_json(&format!("/api/v1/contracts/{contract}/payments"), Some(&admin), &json!({"kind": kind, "amount_fen": amount}))
            .await;
        assert_eq!(paid.status, 201, "{}", paid.text);
    }
    let settled = app.post_json_with(&settle, Some(&admin), &json!({}), &[("If-Match", "\"7\"")]).await;
    assert_eq!(settled.body["status"], "settled", "{}", settled.text);
    let ocds = app.get(&format!("/api/v1/procurement-projects/{project}/ocds"), Some(&admin)).await;
    let release = &ocds.body["releases"][0];
    assert_eq!(release["contracts"][0]["status"], "terminated", "a settled contract is finished: {}", ocds.text);
    let transactions = release["contracts"][0]["implementation"]["transactions"].as_array().unwrap();
    let amounts: Vec<f64> = transactions.iter().map(|t| t["value"]["amount"].as_f64().unwrap()).collect();
    assert_eq!(amounts, [360.0, 180.0, 360.0]);
    crate::procurement::assert_valid_ocds(&ocds.body);
}

#[actix_web::test]
async fn an_appeal_is_decided_once_by_an_officer_outside_the_group() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (project, _, provider) = app.contracted_project(&admin, 62).await;
    app.add_user(&admin, "county.member", "county_officer", "640202", json!({})).await;
    let member_token = app.login("county.member", "password-1234").await;
    let group = group(&app, &admin, &member_token).await;
    let mid = run(&app, &admin, &project, "mid_term", &group, 58).await;
    assert_eq!(mid["grade"], "fail");
    let id = mid["id"].as_str().unwrap();
    app.add_user(&admin, "provider.62", "provider", "640202", json!({"provider_id": provider})).await;
    let provider_token = app.login("provider.62", "password-1234").await;
    app.post_json(&format!("/api/v1/evaluations/{id}/appeals"), Some(&admin), &json!({"grounds": "x"}))
        .await
        .assert_problem(403, "forbidden");
    let filed = app
        .post_json(
            &format!("/api/v1/evaluations/{id}/appeals"),
            Some(&provider_token),
            &json!({"grounds": "满意度样本过少", "evidence": "回访记录"}),
        )
        .await;
    assert_eq!(filed.status, 201, "{}", filed.text);
    let appeal = filed.body["id"].as_str().unwrap();
    let read = app.get(&format!("/api/v1/appeals/{appeal}"), Some(&provider_token)).await;
    assert_eq!((read.status, read.body["status"].as_str()), (200, Some("open")), "the provider reads its appeal: {}", read.text);
    let listed = app.get(&format!("/api/v1/evaluations?project_id={project}&stage=mid_term"), Some(&provider_token)).await;
    assert_eq!(listed.body["items"][0]["id"], id, "{}", listed.text);
    assert!(app.get("/api/v1/evaluations?stage=final", Some(&admin)).await.body["items"].as_array().unwrap().is_empty());
    let version = mid["version"].as_i64().unwrap();
    app.post_json_with(&format!("/api/v1/evaluations/{id}/publish"), Some(&admin), &json!({}), &[("If-Match", &format!("\"{version}\""))])
        .await
        .assert_problem(409, "appeal_open");
    let decision = json!({"outcome": "upheld", "revised_scores": {"effectiveness": 90, "satisfaction": 90}, "reasoning": "补充样本后调整"});
    let by_member = app.post_json(&format!("/api/v1/appeals/{appeal}/decide"), Some(&member_token), &decision).await;
    by_member.assert_problem(422, "decider_in_group");
    app.add_user(&admin, "county.other", "county_officer", "640202", json!({})).await;
    let other = app.login("county.other", "password-1234").await;
    let decided = app.post_json(&format!("/api/v1/appeals/{appeal}/decide"), Some(&other), &decision).await;
    assert_eq!(decided.body["status"], "upheld", "{}", decided.text);
    let revised = app.get(&format!("/api/v1/evaluations/{id}"), Some(&admin)).await.body;
    assert_eq!(revised["total"].as_f64(), Some(74.0), "58 except effectiveness and satisfaction (50% together) at 90: 58 + 0.5 × 32");
    assert_eq!(revised["grade"], "pass");
    assert_eq!(revised["history"][0]["grade"], "fail", "the old figures are kept");
    let again = app.post_json(&format!("/api/v1/evaluations/{id}/appeals"), Some(&provider_token), &json!({"grounds": "再次申诉"})).await;
    again.assert_problem(409, "appeal_already_decided");
}

/// Acceptance comes when the term is over, or earlier with a reason for
/// the early completion; settlement then closes the contract.
#[actix_web::test]
async fn acceptance_waits_for_the_term_and_settlement_closes_the_contract() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (project, contract, _) = app.contracted_project_until(&admin, 62, "2099-12-31").await;
    let group = group(&app, &admin, &admin).await;
    let payments = format!("/api/v1/contracts/{contract}/payments");
    let progress = json!({"kind": "progress", "amount_fen": 18_000});
    app.post_json(&payments, Some(&admin), &progress).await.assert_problem(422, "payment_not_released");
    run(&app, &admin, &project, "mid_term", &group, 85).await;
    let released = app.post_json(&payments, Some(&admin), &progress).await;
    assert_eq!(released.status, 201, "a passed mid-term evaluation releases the progress payment: {}", released.text);
    run(&app, &admin, &project, "final", &group, 90).await;
    let acceptance = format!("/api/v1/procurement-projects/{project}/acceptance");
    let early = app.post_json_with(&acceptance, Some(&admin), &json!({"passed": true, "notes": "达标"}), &[("If-Match", "\"6\"")]).await;
    early.assert_problem(422, "term_not_ended");
    assert_eq!(early.body["details"]["term_end"], "2099-12-31");
    let with_reason = json!({"passed": true, "notes": "达标", "early_completion_reason": "服务对象全部迁入集中供养机构，提前完成"});
    let accepted = app.post_json_with(&acceptance, Some(&admin), &with_reason, &[("If-Match", "\"6\"")]).await;
    assert_eq!(accepted.body["status"], "accepted", "{}", accepted.text);
    let too_much = app.post_json(&payments, Some(&admin), &json!({"kind": "final", "amount_fen": 72_000})).await;
    too_much.assert_problem(422, "payment_not_released");
    assert_eq!(too_much.body["details"]["released_fen"], 36_000, "the balance is the price less the other instalments: {}", too_much.text);
    for (kind, amount) in [("advance", 36_000), ("final", 36_000)] {
        let paid = app.post_json(&payments, Some(&admin), &json!({"kind": kind, "amount_fen": amount})).await;
        assert_eq!(paid.status, 201, "{}", paid.text);
    }
    let settled = app
        .post_json_with(&format!("/api/v1/procurement-projects/{project}/settle"), Some(&admin), &json!({}), &[("If-Match", "\"7\"")])
        .await;
    assert_eq!(settled.body["status"], "settled", "{}", settled.text);
    assert_eq!(app.get(&format!("/api/v1/contracts/{contract}"), Some(&admin)).await.body["status"], "completed");
    app.post_json(&format!("/api/v1/contracts/{contract}/supervisions"), Some(&admin), &json!({"kind": "site_visit", "note": "回访"}))
        .await
        .assert_problem(409, "contract_not_active");
}
