//! The patterns and bounds the contract gives named fields and inputs
//! (region codes, ID numbers, credit codes, phones, If-Match, Idempotency-Key),
//! binary downloads, and page schemas that refer to their items.

use super::*;
use utoipa::openapi::{OpenApi as Document, Ref, RefOr, Response};

/// What `RegionCode::parse` accepts: 6 digits (province, city or county)
/// not starting `00`; 9 (township) or 12 (village) under a county (digits
/// 5-6 not `00`); a village under a township (digits 7-9 not `000`).
pub const REGION_CODE_PATTERN: &str =
    "^(0[1-9]|[1-9][0-9])[0-9]{2}([0-9]{2}|(0[1-9]|[1-9][0-9])([0-9]{3}|(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})[0-9]{3}))$";

/// What `Idempotency-Key` accepts: 1 to 255 visible ASCII characters.
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]{1,255}$";

/// What `If-Match` accepts: a version, quoted (`"3"`), weak (`W/"3"`) or bare.
pub const IF_MATCH_PATTERN: &str = "^(W/)?\"?[0-9]{1,18}\"?$";

/// Fields known by name carry what the server enforces, so a client (or a
/// fuzzer) knows a valid value: every region code (parameters, properties,
/// a new region's code, service regions) and `If-Match` their patterns,
/// event type lists theirs, a person's groups are unique, and consent is
/// `true`.
pub(crate) fn constrain_named_fields(document: &mut Document) {
    use utoipa::openapi::schema::Schema;
    let constrain = |schema: &mut RefOr<Schema>| {
        if let RefOr::T(Schema::Object(object)) = schema {
            object.pattern = Some(REGION_CODE_PATTERN.to_string());
        }
    };
    for (_, operation) in operations_mut(document) {
        for parameter in operation.parameters.iter_mut().flatten() {
            if let RefOr::T(parameter) = parameter
                && let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut()
            {
                match parameter.name.as_str() {
                    "region_code" | "parent" | "serves_region" => object.pattern = Some(REGION_CODE_PATTERN.to_string()),
                    "If-Match" => object.pattern = Some(IF_MATCH_PATTERN.to_string()),
                    _ => {}
                }
            }
        }
    }
    let Some(components) = document.components.as_mut() else { return };
    for (name, schema) in components.schemas.iter_mut() {
        let RefOr::T(Schema::Object(object)) = schema else { continue };
        if let Some(property) = object.properties.get_mut("region_code") {
            constrain(property);
        }
        // A new region's own code; a provider's service regions.
        if name == "CreateRegion"
            && let Some(property) = object.properties.get_mut("code")
        {
            constrain(property);
        }
        if let Some(RefOr::T(Schema::Array(regions))) = object.properties.get_mut("service_regions") {
            constrain_items(regions, REGION_CODE_PATTERN);
        }
        if let Some(RefOr::T(Schema::Array(types))) = object.properties.get_mut("event_types") {
            constrain_items(types, EVENT_TYPE_PATTERN);
        }
        // A person's groups: each at most once (`group_duplicate`).
        if let Some(RefOr::T(Schema::Array(groups))) = object.properties.get_mut("groups")
            && name.ends_with("Beneficiary")
        {
            groups.unique_items = true;
        }
        // Consent is recorded only when given: `given` is `true`.
        if name == "Consent"
            && let Some(RefOr::T(Schema::Object(given))) = object.properties.get_mut("given")
        {
            given.enum_values = Some(vec![serde_json::json!(true)]);
        }
    }
}

/// Gives an array's string items a pattern (and at most 64 characters,
/// the longest code any of these lists holds).
pub(crate) fn constrain_items(array: &mut utoipa::openapi::schema::Array, pattern: &str) {
    use utoipa::openapi::schema::{ArrayItems, Schema};
    if let ArrayItems::RefOrSchema(item) = &mut array.items
        && let RefOr::T(Schema::Object(object)) = item.as_mut()
    {
        object.pattern = Some(pattern.to_string());
        object.max_length = Some(64);
    }
}

/// What a webhook's event type filter accepts: `resource.verb`, lower-case
/// letters and `_` (`referral.created`), at most 64 characters.
pub const EVENT_TYPE_PATTERN: &str = "^[a-z_]+\\.[a-z_]+$";

/// What `CitizenId::parse` reads before its date and checksum checks: 17
/// digits and a digit or `X` (either case), spaces around allowed.
pub const CITIZEN_ID_PATTERN: &str = "^\\s*[0-9]{17}[0-9Xx]\\s*$";

/// What `CreditCode::parse` reads before its checksum: 18 characters of
/// the GB 32100 alphabet (no I, O, S, V, Z; either case), digits 3-8 an
/// area code, spaces around allowed.
pub const CREDIT_CODE_PATTERN: &str = "^\\s*[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{10}\\s*$";

/// What `Phone::parse` accepts: a mainland mobile (`1[3-9]` and 9 digits)
/// or a landline with its area code (`0[1-9]` and 8 to 10 digits),
/// optionally after `+86` or `0086`, with spaces and hyphens anywhere.
pub const PHONE_PATTERN: &str =
    "^[ -]*(\\+[ -]*8[ -]*6[ -]*|0[ -]*0[ -]*8[ -]*6[ -]*)?(1[ -]*[3-9]([ -]*[0-9]){9}|0[ -]*[1-9]([ -]*[0-9]){8,10})[ -]*$";

/// Every `$ref` target in `value` (`#/components/schemas/Name`, …).
pub(crate) fn references(value: &serde_json::Value, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", serde_json::Value::String(target)) => found.push(target.clone()),
                    _ => references(inner, found),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|inner| references(inner, found)),
        _ => {}
    }
}

/// Component schemas reachable from `roots` through `$ref`s.
pub(crate) fn reachable_schemas(document: &Document, roots: Vec<serde_json::Value>) -> std::collections::BTreeSet<String> {
    let schema_names = |value: &serde_json::Value| {
        let mut targets = Vec::new();
        references(value, &mut targets);
        targets.into_iter().filter_map(|t| t.strip_prefix("#/components/schemas/").map(str::to_string)).collect::<Vec<_>>()
    };
    let schemas = document.components.as_ref().map(|c| &c.schemas);
    let mut seen = std::collections::BTreeSet::new();
    let mut pending: Vec<String> = roots.iter().flat_map(schema_names).collect();
    while let Some(name) = pending.pop() {
        if seen.insert(name.clone())
            && let Some(schema) = schemas.and_then(|s| s.get(&name))
        {
            pending.extend(schema_names(&serde_json::to_value(schema).unwrap_or_default()));
        }
    }
    seen
}

/// ID numbers, credit codes and phone numbers in request bodies carry the
/// pattern the server reads them with, and the groups a request may set
/// leave out those derived from the ID number. Only schemas that no
/// response uses: responses mask ID numbers (`110105********002X`) and
/// phones, and list derived groups.
pub(crate) fn constrain_inputs(document: &mut Document) {
    use utoipa::openapi::schema::{ArrayItems, ObjectBuilder, Schema, Type};
    let (mut requests, mut responses) = (Vec::new(), Vec::new());
    for item in document.paths.paths.values() {
        for operation in operations(item) {
            requests.push(serde_json::to_value(&operation.request_body).unwrap_or_default());
            responses.push(serde_json::to_value(&operation.responses).unwrap_or_default());
        }
    }
    let inputs = reachable_schemas(document, requests);
    let outputs = reachable_schemas(document, responses);
    let Some(components) = document.components.as_mut() else { return };
    for name in inputs.difference(&outputs) {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) else { continue };
        let identifiers = [
            ("id_number", CITIZEN_ID_PATTERN),
            ("credit_code", CREDIT_CODE_PATTERN),
            ("phone", PHONE_PATTERN),
            ("caller_phone", PHONE_PATTERN),
        ];
        for (property, pattern) in identifiers {
            if let Some(RefOr::T(Schema::Object(field))) = object.properties.get_mut(property) {
                field.pattern = Some(pattern.to_string());
            }
        }
        if let Some(RefOr::T(Schema::Array(groups))) = object.properties.get_mut("groups")
            && matches!(&groups.items, ArrayItems::RefOrSchema(item) if matches!(item.as_ref(), RefOr::Ref(r) if r.ref_location.ends_with("/Group")))
        {
            use jiuzhu_intake::beneficiaries::Group;
            let settable = Group::ALL.into_iter().filter(|g| !g.is_derived()).map(Group::code);
            let item = ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(settable))
                .description(Some("A group that is set; `elderly`, `minor` and `woman` follow from the ID number."));
            groups.items = ArrayItems::RefOrSchema(Box::new(RefOr::T(Schema::Object(item.build()))));
        }
    }
}

/// A download that is not text (a workbook) is declared as bytes, `string`
/// with `format: binary`, so that generated clients hand it over as a file
/// instead of decoding it as text.
pub(crate) fn declare_files_binary(response: &mut Response) {
    declare_binary(response.content.iter_mut());
}

/// Media types that are not text nor JSON carry bytes: `string` with
/// `format: binary`, so that generators hand over a file, not a text.
pub(crate) fn declare_binary<'a>(contents: impl IntoIterator<Item = (&'a String, &'a mut RefOr<utoipa::openapi::Content>)>) {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    for (media_type, content) in contents {
        let is_text = media_type.starts_with("text/") || media_type.contains("json");
        if let (false, RefOr::T(content)) = (is_text, content) {
            let bytes = ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)));
            content.schema = Some(RefOr::T(bytes.into()));
        }
    }
}

/// Makes each `Page_X` schema refer to the component `X` for its items
/// instead of holding its own inline copy, so that a generated client has one
/// model per resource, and a page's items carry every constraint the
/// component has (the copies lost the ones added after generation).
pub fn pages_refer_to_their_items(document: &mut Document) {
    use utoipa::openapi::schema::{ArrayItems, Schema};
    let Some(components) = document.components.as_mut() else { return };
    let names: Vec<String> = components.schemas.keys().cloned().collect();
    for (name, schema) in components.schemas.iter_mut() {
        let Some(item) = name.strip_prefix("Page_").filter(|item| names.iter().any(|n| n == item)) else { continue };
        let RefOr::T(Schema::Object(page)) = schema else { continue };
        if let Some(RefOr::T(Schema::Array(items))) = page.properties.get_mut("items") {
            items.items = ArrayItems::RefOrSchema(Box::new(RefOr::Ref(Ref::from_schema_name(item))));
        }
    }
}
