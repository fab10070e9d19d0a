//! One DCI search request read into what jiuzhu looks up: a citizen ID
//! (`idtype-value`), or people matching conditions (`predicate` and the
//! document-style `expression`), ordered and numbered-paged; with its
//! reference, purpose, record shape and locale. Pure: no database here.

use super::envelope::{SearchReason, timestamp};
use jiuzhu_core::CitizenId;
use jiuzhu_intake::beneficiaries::{BeneficiaryFilter, BeneficiaryStatus, Category, Group, PeopleOrder};
use serde_json::{Map, Value};

/// The largest page a request may ask for.
pub const MAX_PAGE_SIZE: u64 = 500;
/// The page size of a request that names none.
pub const DEFAULT_PAGE_SIZE: u64 = 50;

jiuzhu_core::coded_enum! {
    /// The identifier types an `idtype-value` query may name: all mean the
    /// resident identity card number (GB 11643).
    #[schema(as = DciIdType)]
    pub enum IdType as "dci_id_type" {
        NationalId = "NationalID", "公民身份号码", "National ID";
        Uin = "UIN", "公民身份号码", "Unique identification number";
    }
}

jiuzhu_core::coded_enum! {
    /// The attributes `predicate` and `expression` queries may test, each with `eq`.
    #[schema(as = DciAttribute)]
    pub enum Attribute as "dci_attribute" {
        /// A region; its whole subtree matches.
        RegionCode = "region_code", "所在区域", "Region";
        Category = "category", "救助类别", "Category";
        Group = "group", "服务对象群体", "Group";
        Status = "status", "在册状态", "Status";
    }
}

jiuzhu_core::coded_enum! {
    /// What each record found is (DCI `response_entity`).
    #[schema(as = DciResponseEntity)]
    pub enum Entity as "dci_response_entity" {
        /// The person, as a household member (the default).
        Member = "Member", "成员", "Member";
        /// The person's household with its members.
        Group = "Group", "家庭", "Group";
    }
}

jiuzhu_core::coded_enum! {
    /// How a request's `query` reads (DCI `query_type`).
    #[schema(as = DciQueryType)]
    pub enum QueryType as "dci_query_type" {
        /// `{type: NationalID|UIN, value: <ID number>}`.
        IdtypeValue = "idtype-value", "按证件号", "By identifier";
        /// A document-style query: `{"$and": [{attr: {"$eq": v}}]}`.
        Expression = "expression", "按表达式", "By expression";
        /// A list of `expression1 [and expression2]` comparisons.
        Predicate = "predicate", "按谓词", "By predicate";
    }
}

jiuzhu_core::coded_enum! {
    /// Which registrations a search reads (DCI `reg_event_type`).
    #[schema(as = DciRegEventType)]
    pub enum RegEventType as "dci_reg_event_type" {
        /// The list as it is (the only one served).
        Register = "REGISTER", "在册登记", "Register";
        /// New household members: not served.
        NewHouseHoldMember = "NewHouseHoldMember", "新增家庭成员", "New household member";
    }
}

/// How a field must look, for `conforms`.
struct Shape {
    key: &'static str,
    required: bool,
    fits: fn(&Value) -> bool,
    what: &'static str,
}

const fn shape(key: &'static str, required: bool, fits: fn(&Value) -> bool, what: &'static str) -> Shape {
    Shape { key, required, fits, what }
}

fn check_shapes(object: &Map<String, Value>, path: &str, shapes: &[Shape]) -> Result<(), String> {
    for shape in shapes {
        // An optional field sent as `null` is absent, as the schema has it.
        match object.get(shape.key).filter(|v| shape.required || !v.is_null()) {
            None if shape.required => return Err(format!("{path}.{} is required", shape.key)),
            Some(value) if !(shape.fits)(value) => return Err(format!("{path}.{} is {}", shape.key, shape.what)),
            _ => {}
        }
    }
    Ok(())
}

fn is_locale(v: &Value) -> bool {
    v.as_str().is_some_and(|l| l.len() == 3 && l.bytes().all(|b| b.is_ascii_lowercase()))
}

fn is_timestamp(v: &Value) -> bool {
    v.as_str().and_then(timestamp).is_some()
}

fn is_event_type(v: &Value) -> bool {
    v.as_str().and_then(RegEventType::from_code).is_some()
}

fn is_query_type(v: &Value) -> bool {
    v.as_str().and_then(QueryType::from_code).is_some()
}

fn is_entity(v: &Value) -> bool {
    v.as_str().and_then(Entity::from_code).is_some()
}

fn is_sort_order(v: &Value) -> bool {
    matches!(v.as_str(), Some("asc" | "desc"))
}

fn any(_: &Value) -> bool {
    true
}

/// Whether request `index` has the shape the schema gives a search
/// request (types, required fields, fixed values); a message holding one
/// that does not is refused whole. What the schema cannot state (a bad ID
/// number, an attribute not served) is answered per request by `read`.
pub fn conforms(item: &Value, index: usize) -> Result<(), String> {
    let path = format!("message.search_request[{index}]");
    let Some(item) = item.as_object() else { return Err(format!("{path} is an object")) };
    check_shapes(
        item,
        &path,
        &[
            shape("reference_id", true, Value::is_string, "a string"),
            shape("timestamp", true, is_timestamp, "an ISO 8601 date-time with a zone"),
            shape("locale", false, is_locale, "an ISO 639-3 code (^[a-z]{3}$)"),
            shape("search_criteria", true, Value::is_object, "an object"),
        ],
    )?;
    let criteria = &item["search_criteria"];
    let path = format!("{path}.search_criteria");
    check_shapes(
        criteria.as_object().into_iter().next().unwrap_or(&Map::new()),
        &path,
        &[
            shape("version", false, Value::is_string, "a string"),
            shape("reg_event_type", false, is_event_type, "REGISTER or NewHouseHoldMember"),
            shape("query_type", true, is_query_type, "idtype-value, expression or predicate"),
            shape("response_entity", false, is_entity, "Group or Member"),
            shape("query", true, any, "present"),
            shape("consent", false, Value::is_object, "an object"),
            shape("authorize", false, Value::is_object, "an object"),
            shape("pagination", false, Value::is_object, "an object"),
            shape("sort", false, Value::is_array, "a list"),
        ],
    )?;
    if let Some(pagination) = criteria.get("pagination").and_then(Value::as_object) {
        check_shapes(
            pagination,
            &format!("{path}.pagination"),
            &[shape("page_size", true, Value::is_i64, "a whole number"), shape("page_number", false, Value::is_i64, "a whole number")],
        )?;
    }
    for (n, key) in criteria.get("sort").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let at = format!("{path}.sort[{n}]");
        let Some(key) = key.as_object() else { return Err(format!("{at} is an object")) };
        check_shapes(
            key,
            &at,
            &[shape("attribute_name", false, Value::is_string, "a string"), shape("sort_order", false, is_sort_order, "asc or desc")],
        )?;
    }
    Ok(())
}

/// What one request looks up.
#[derive(Debug, Clone)]
pub enum Lookup {
    Id(CitizenId),
    People { filter: BeneficiaryFilter, order: PeopleOrder, descending: bool, size: u64, number: u64 },
}

/// One request, read.
#[derive(Debug, Clone)]
pub struct Request {
    pub reference_id: String,
    pub purpose: String,
    pub lookup: Lookup,
    pub entity: Entity,
    pub locale: Option<String>,
    /// The query type as sent, for the audit trail.
    pub query_type: String,
}

/// Why one request is answered `rjct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The reference as sent (empty when there was none to echo).
    pub reference_id: String,
    pub code: SearchReason,
    pub message: String,
}

type Refused = (SearchReason, String);

fn refuse<T>(code: SearchReason, message: impl Into<String>) -> Result<T, Refused> {
    Err((code, message.into()))
}

/// Reads request `item`; `locale` is checked like the spec's (`^[a-z]{3}$`).
pub fn read(item: &Value) -> Result<Request, Rejection> {
    let reference_id = item.get("reference_id").and_then(Value::as_str).unwrap_or_default().to_string();
    read_fields(item, &reference_id).map_err(|(code, message)| Rejection { reference_id, code, message })
}

fn read_fields(item: &Value, reference_id: &str) -> Result<Request, Refused> {
    let Some(item) = item.as_object() else {
        return refuse(SearchReason::SearchCriteriaInvalid, "each search_request entry is an object");
    };
    if reference_id.trim().is_empty() || reference_id.chars().count() > super::transactions::MAX_REFERENCE_CHARS {
        return refuse(SearchReason::ReferenceIdInvalid, "reference_id: 1 to 200 characters are required");
    }
    if item.get("timestamp").and_then(Value::as_str).and_then(timestamp).is_none() {
        return refuse(SearchReason::TimestampInvalid, "timestamp: an ISO 8601 date-time with a zone is required");
    }
    let locale = item.get("locale").and_then(Value::as_str).map(str::to_string);
    let Some(criteria) = item.get("search_criteria").and_then(Value::as_object) else {
        return refuse(SearchReason::SearchCriteriaInvalid, "search_criteria is required");
    };
    if let Some(version) = criteria.get("version").filter(|v| !v.is_null())
        && version.as_str() != Some(super::envelope::VERSION)
    {
        return refuse(SearchReason::SearchCriteriaInvalid, "search_criteria.version: only 1.0.0 is served");
    }
    match criteria.get("reg_event_type").and_then(Value::as_str).map(RegEventType::from_code) {
        None | Some(Some(RegEventType::Register)) => {}
        Some(Some(RegEventType::NewHouseHoldMember)) => {
            return refuse(
                SearchReason::SearchCriteriaInvalid,
                "reg_event_type NewHouseHoldMember is not served: searches read the list as it is",
            );
        }
        Some(None) => return refuse(SearchReason::SearchCriteriaInvalid, "reg_event_type: REGISTER or NewHouseHoldMember"),
    }
    let entity = match criteria.get("response_entity") {
        None | Some(Value::Null) => Entity::Member,
        Some(value) => value
            .as_str()
            .and_then(Entity::from_code)
            .ok_or((SearchReason::SearchCriteriaInvalid, "response_entity: Group or Member".to_string()))?,
    };
    let purpose = purpose(criteria)?;
    let query_type = criteria.get("query_type").and_then(Value::as_str).unwrap_or_default().to_string();
    let query = criteria.get("query").unwrap_or(&Value::Null);
    let lookup = match QueryType::from_code(&query_type) {
        Some(QueryType::IdtypeValue) => Lookup::Id(identifier(query)?),
        Some(kind @ (QueryType::Predicate | QueryType::Expression)) => {
            let conditions = if kind == QueryType::Predicate { predicate(query)? } else { expression(query)? };
            let (order, descending) = sort(criteria.get("sort"))?;
            let (size, number) = pagination(criteria.get("pagination"))?;
            Lookup::People { filter: filter(&conditions)?, order, descending, size, number }
        }
        None => return refuse(SearchReason::SearchCriteriaInvalid, "query_type: idtype-value, expression or predicate"),
    };
    Ok(Request { reference_id: reference_id.to_string(), purpose, lookup, entity, locale, query_type })
}

/// Why the department asks: `authorize.purpose.text`, else
/// `consent.purpose.text`. jiuzhu records it with every search, so a
/// request without one is refused.
fn purpose(criteria: &Map<String, Value>) -> Result<String, Refused> {
    let text = ["authorize", "consent"]
        .iter()
        .filter_map(|key| criteria.get(*key)?.get("purpose")?.get("text")?.as_str())
        .map(str::trim)
        .find(|text| !text.is_empty());
    match text {
        Some(text) if (2..=500).contains(&text.chars().count()) => Ok(text.to_string()),
        Some(_) => refuse(SearchReason::SearchCriteriaInvalid, "authorize.purpose.text: 2 to 500 characters"),
        None => refuse(
            SearchReason::SearchCriteriaInvalid,
            "authorize.purpose.text (or consent.purpose.text) is required: every registry search records why it was made",
        ),
    }
}

fn identifier(query: &Value) -> Result<CitizenId, Refused> {
    let id_type = query.get("type").and_then(Value::as_str).unwrap_or_default();
    if IdType::from_code(id_type).is_none() {
        return refuse(SearchReason::SearchCriteriaInvalid, "query.type: NationalID or UIN (the resident identity card number)");
    }
    let Some(value) = query.get("value").and_then(Value::as_str) else {
        return refuse(SearchReason::SearchCriteriaInvalid, "query.value: the ID number as a string");
    };
    CitizenId::parse(value.trim()).map_err(|e| (SearchReason::SearchCriteriaInvalid, format!("query.value: {e}")))
}

/// `[{seq_num, expression1: {attribute_name, operator, attribute_value}, condition, expression2}]`,
/// every entry and both sides joined by `and`.
fn predicate(query: &Value) -> Result<Vec<(Attribute, String)>, Refused> {
    let Some(entries) = query.as_array().filter(|e| !e.is_empty()) else {
        return refuse(SearchReason::SearchCriteriaInvalid, "query: a predicate query is a non-empty list of expressions");
    };
    let mut conditions = Vec::new();
    for entry in entries {
        let Some(first) = entry.get("expression1") else {
            return refuse(SearchReason::SearchCriteriaInvalid, "query[].expression1 is required");
        };
        conditions.push(comparison(first)?);
        match (entry.get("condition").and_then(Value::as_str), entry.get("expression2")) {
            (None, None) => {}
            (Some("and"), Some(second)) => conditions.push(comparison(second)?),
            (Some(condition), _) if condition != "and" => {
                return refuse(SearchReason::FilterInvalid, format!("condition `{condition}` is not served; join expressions with `and`"));
            }
            _ => return refuse(SearchReason::FilterInvalid, "condition and expression2 come together"),
        }
    }
    Ok(conditions)
}

fn comparison(expression: &Value) -> Result<(Attribute, String), Refused> {
    let name = expression.get("attribute_name").and_then(Value::as_str).unwrap_or_default();
    let operator = expression.get("operator").and_then(Value::as_str).unwrap_or_default();
    if operator != "eq" {
        return refuse(SearchReason::FilterInvalid, format!("operator `{operator}` is not served; attributes are compared with `eq`"));
    }
    condition(name, expression.get("attribute_value").unwrap_or(&Value::Null))
}

fn condition(name: &str, value: &Value) -> Result<(Attribute, String), Refused> {
    let attribute = Attribute::from_code(name).ok_or_else(|| {
        let served: Vec<_> = Attribute::ALL.iter().map(|a| a.code()).collect();
        (SearchReason::FilterInvalid, format!("attribute `{name}` is not searchable; use one of {}", served.join(", ")))
    })?;
    let Some(value) = value.as_str() else {
        return refuse(SearchReason::FilterInvalid, format!("the value of `{name}` is a string"));
    };
    Ok((attribute, value.to_string()))
}

/// `{type, value: {expression: {collection, query}}}` with a document-style
/// query: `{"$and": [{attr: {"$eq": v}}, …]}`, `{attr: {"$eq": v}, …}` or `{attr: v, …}`.
fn expression(query: &Value) -> Result<Vec<(Attribute, String)>, Refused> {
    let expression = query.get("value").and_then(|v| v.get("expression")).unwrap_or(&Value::Null);
    match expression.get("collection").and_then(Value::as_str) {
        None | Some("Member" | "Group" | "Person") => {}
        Some(other) => return refuse(SearchReason::SearchCriteriaInvalid, format!("collection `{other}`: Member, Group or Person")),
    }
    let Some(document) = expression.get("query").and_then(Value::as_object) else {
        return refuse(SearchReason::SearchCriteriaInvalid, "query.value.expression.query: an object of conditions is required");
    };
    let mut conditions = Vec::new();
    document_conditions(document, &mut conditions)?;
    if conditions.is_empty() {
        return refuse(SearchReason::SearchCriteriaInvalid, "query.value.expression.query names no condition");
    }
    Ok(conditions)
}

fn document_conditions(document: &Map<String, Value>, into: &mut Vec<(Attribute, String)>) -> Result<(), Refused> {
    for (key, value) in document {
        if key == "$and" {
            let Some(parts) = value.as_array() else { return refuse(SearchReason::FilterInvalid, "$and takes a list") };
            for part in parts {
                let Some(part) = part.as_object() else { return refuse(SearchReason::FilterInvalid, "each $and entry is an object") };
                document_conditions(part, into)?;
            }
        } else if key.starts_with('$') {
            return refuse(SearchReason::FilterInvalid, format!("`{key}` is not served; join conditions with $and"));
        } else {
            let operand = match value.as_object() {
                Some(ops) if ops.len() == 1 && ops.contains_key("$eq") => &ops["$eq"],
                Some(_) => return refuse(SearchReason::FilterInvalid, format!("`{key}` is compared with $eq only")),
                None => value,
            };
            into.push(condition(key, operand)?);
        }
    }
    Ok(())
}

/// The conditions as a filter of the service target list.
fn filter(conditions: &[(Attribute, String)]) -> Result<BeneficiaryFilter, Refused> {
    let mut filter = BeneficiaryFilter::default();
    let mut seen = Vec::new();
    for (attribute, value) in conditions {
        if seen.contains(attribute) {
            return refuse(SearchReason::FilterInvalid, format!("`{}` is tested twice", attribute.code()));
        }
        seen.push(*attribute);
        let unknown = || (SearchReason::FilterInvalid, format!("`{value}` is not a {} code", attribute.code()));
        match attribute {
            Attribute::RegionCode => {
                jiuzhu_core::RegionCode::parse(value).map_err(|e| (SearchReason::FilterInvalid, format!("region_code: {e}")))?;
                filter.region_code = Some(value.clone());
            }
            Attribute::Category => filter.category = Some(Category::from_code(value).ok_or_else(unknown)?),
            Attribute::Group => filter.group = Some(Group::from_code(value).ok_or_else(unknown)?),
            Attribute::Status => filter.status = Some(BeneficiaryStatus::from_code(value).ok_or_else(unknown)?),
        }
    }
    Ok(filter)
}

/// At most one sort key: `registration_date` or `region_code`, `asc` or `desc`.
fn sort(sort: Option<&Value>) -> Result<(PeopleOrder, bool), Refused> {
    let keys = match sort {
        None | Some(Value::Null) => return Ok((PeopleOrder::Id, false)),
        Some(Value::Array(keys)) => keys,
        Some(_) => return refuse(SearchReason::SortInvalid, "sort is a list"),
    };
    match keys.as_slice() {
        [] => Ok((PeopleOrder::Id, false)),
        [key] => {
            let order = match key.get("attribute_name").and_then(Value::as_str) {
                Some("registration_date") => PeopleOrder::RegisteredAt,
                Some("region_code") => PeopleOrder::RegionCode,
                _ => return refuse(SearchReason::SortInvalid, "sort[].attribute_name: registration_date or region_code"),
            };
            match key.get("sort_order").and_then(Value::as_str) {
                None | Some("asc") => Ok((order, false)),
                Some("desc") => Ok((order, true)),
                Some(_) => refuse(SearchReason::SortInvalid, "sort[].sort_order: asc or desc"),
            }
        }
        _ => refuse(SearchReason::SortInvalid, "sort takes one key"),
    }
}

/// `page_size` 1 to 500 (50 when absent), `page_number` from 1.
fn pagination(pagination: Option<&Value>) -> Result<(u64, u64), Refused> {
    let Some(pagination) = pagination.filter(|p| !p.is_null()) else { return Ok((DEFAULT_PAGE_SIZE, 1)) };
    let whole = |key: &str| pagination.get(key).and_then(Value::as_i64).and_then(|n| u64::try_from(n).ok()).filter(|n| *n >= 1);
    let size = match pagination.get("page_size") {
        None => return refuse(SearchReason::PaginationInvalid, "pagination.page_size is required"),
        Some(_) => whole("page_size").filter(|s| *s <= MAX_PAGE_SIZE),
    };
    let number = match pagination.get("page_number") {
        None => Some(1),
        Some(_) => whole("page_number").filter(|n| *n <= u64::from(u32::MAX)),
    };
    match (size, number) {
        (Some(size), Some(number)) => Ok((size, number)),
        (None, _) => refuse(SearchReason::PaginationInvalid, format!("pagination.page_size: a whole number from 1 to {MAX_PAGE_SIZE}")),
        (_, None) => refuse(SearchReason::PaginationInvalid, "pagination.page_number: a whole number from 1"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(criteria: Value) -> Value {
        json!({"reference_id": "r1", "timestamp": "2025-03-01T09:30:00+08:00", "search_criteria": criteria})
    }

    fn with_purpose(mut criteria: Value) -> Value {
        criteria["authorize"] = json!({"purpose": {"text": "医疗救助资助参保核对"}});
        criteria
    }

    fn rejected(criteria: Value) -> SearchReason {
        read(&item(criteria)).expect_err("rejected").code
    }

    #[test]
    fn an_identifier_query_reads_one_citizen_id() {
        let read =
            read(&item(with_purpose(json!({"query_type": "idtype-value", "query": {"type": "UIN", "value": "11010519491231002X"}}))))
                .expect("read");
        assert!(matches!(read.lookup, Lookup::Id(ref id) if id.as_str() == "11010519491231002X"));
        assert_eq!(read.entity, Entity::Member);
        assert_eq!(read.purpose, "医疗救助资助参保核对");
        let bad = with_purpose(json!({"query_type": "idtype-value", "query": {"type": "UIN", "value": "110105194912310021"}}));
        assert_eq!(rejected(bad), SearchReason::SearchCriteriaInvalid);
        let wrong_type = with_purpose(json!({"query_type": "idtype-value", "query": {"type": "MOBILE", "value": "13900000000"}}));
        assert_eq!(rejected(wrong_type), SearchReason::SearchCriteriaInvalid);
    }

    #[test]
    fn a_search_without_a_purpose_is_rejected() {
        assert_eq!(
            rejected(json!({"query_type": "idtype-value", "query": {"type": "UIN", "value": "11010519491231002X"}})),
            SearchReason::SearchCriteriaInvalid
        );
        let consent = json!({"query_type": "idtype-value", "query": {"type": "UIN", "value": "11010519491231002X"}, "consent": {"purpose": {"text": "核对"}}});
        assert!(read(&item(consent)).is_ok());
    }

    #[test]
    fn predicates_and_expressions_give_the_same_filter() {
        let predicate = with_purpose(json!({"query_type": "predicate", "query": [
            {"seq_num": 1, "expression1": {"attribute_name": "region_code", "operator": "eq", "attribute_value": "640202"},
             "condition": "and", "expression2": {"attribute_name": "category", "operator": "eq", "attribute_value": "extreme_poverty"}}],
            "sort": [{"attribute_name": "registration_date", "sort_order": "desc"}], "pagination": {"page_size": 20, "page_number": 2}}));
        let expression = with_purpose(
            json!({"query_type": "expression", "response_entity": "Group", "query": {"type": "ns:org:QueryType:NoSql",
            "value": {"expression": {"collection": "Member", "query": {"$and": [{"region_code": {"$eq": "640202"}}, {"category": "extreme_poverty"}]}}}}}),
        );
        for (criteria, paged) in [(predicate, (20, 2)), (expression, (DEFAULT_PAGE_SIZE, 1))] {
            let Lookup::People { filter, size, number, .. } = read(&item(criteria)).expect("read").lookup else {
                panic!("a people lookup")
            };
            assert_eq!(filter.region_code.as_deref(), Some("640202"));
            assert_eq!(filter.category, Some(Category::ExtremePoverty));
            assert_eq!((size, number), paged);
        }
    }

    #[test]
    fn each_fault_has_its_reason() {
        let people = |extra: Value| {
            let mut criteria = with_purpose(
                json!({"query_type": "predicate", "query": [{"expression1": {"attribute_name": "group", "operator": "eq", "attribute_value": "elderly"}}]}),
            );
            for (k, v) in extra.as_object().unwrap() {
                criteria[k] = v.clone();
            }
            criteria
        };
        assert!(read(&item(people(json!({})))).is_ok());
        assert_eq!(rejected(people(json!({"sort": [{"attribute_name": "poverty_score"}]}))), SearchReason::SortInvalid);
        assert_eq!(rejected(people(json!({"pagination": {"page_size": 501}}))), SearchReason::PaginationInvalid);
        assert_eq!(rejected(people(json!({"pagination": {"page_size": 10, "page_number": 0}}))), SearchReason::PaginationInvalid);
        assert_eq!(rejected(people(json!({"pagination": {"page_size": -3}}))), SearchReason::PaginationInvalid);
        let halves = item(people(json!({"pagination": {"page_size": 2.5}})));
        assert!(conforms(&halves, 0).expect_err("a shape fault").contains("page_size"));
        assert!(conforms(&item(people(json!({}))), 0).is_ok());
        let mut no_query = people(json!({}));
        no_query.as_object_mut().unwrap().remove("query");
        assert!(conforms(&item(no_query), 0).expect_err("a shape fault").contains("query"));
        assert_eq!(
            rejected(people(json!({"query": [{"expression1": {"attribute_name": "group", "operator": "lt", "attribute_value": "x"}}]}))),
            SearchReason::FilterInvalid
        );
        assert_eq!(
            rejected(people(json!({"query": [{"expression1": {"attribute_name": "income", "operator": "eq", "attribute_value": "x"}}]}))),
            SearchReason::FilterInvalid
        );
        assert_eq!(
            rejected(people(
                json!({"query": [{"expression1": {"attribute_name": "group", "operator": "eq", "attribute_value": "elderly"}, "condition": "or", "expression2": {"attribute_name": "group", "operator": "eq", "attribute_value": "minor"}}]})
            )),
            SearchReason::FilterInvalid
        );
        assert_eq!(rejected(people(json!({"query_type": "sql"}))), SearchReason::SearchCriteriaInvalid);
        let no_reference = json!({"timestamp": "2025-03-01T09:30:00+08:00", "search_criteria": people(json!({}))});
        assert_eq!(read(&no_reference).expect_err("rejected").code, SearchReason::ReferenceIdInvalid);
        let no_time = json!({"reference_id": "r1", "timestamp": "soon", "search_criteria": people(json!({}))});
        assert_eq!(read(&no_time).expect_err("rejected").code, SearchReason::TimestampInvalid);
    }
}
