//! The OpenAPI document: the base (info, tags, security scheme, problem
//! schema), what every operation shares (its security, the standard problem
//! responses), and the route table that tells 405 from 404.
//!
//! The passes over the generated document live in `problems`, `shape` and
//! `patterns`; `route_table` reads the finished document back.

mod patterns;
mod problems;
mod route_table;
mod shape;

pub use patterns::*;
pub use problems::*;
pub use route_table::*;
pub(crate) use shape::*;

use crate::problem::Problem;
use jiuzhu_core::FieldError;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "jiuzhu service-type social assistance API",
        description = "jiuzhu (救助): the system of record and integration hub for service-type social assistance (服务类社会救助): intake, needs assessment, matching, government purchase of services and evaluation.\n\nAll errors are `application/problem+json` (RFC 9457). Every operation's description names the permission it needs.\n\n**Languages.** A problem's `title`, `detail` and each field error's `message` are in Chinese when `Accept-Language` ranks Chinese (`zh`, `zh-CN`, `zh-Hans`…) above English, otherwise in English; `Content-Language` says which, and the stable `code` values never change with it.\n\n**Text** in bodies, paths and queries may not contain U+0000 (PostgreSQL's text type cannot hold it): a body field with it is 422 `nul_character` naming the field; `%00` in a path or query is 400.\n\n**Lists** share one set of conventions. They answer `{\"items\": [...], \"next_cursor\": ...}` and take `limit` (1–500, default 50; more is 422, never silently capped), `cursor` (the previous page's `next_cursor`, with the same filters and order) and `order` (`asc`, the default, oldest first; `desc`, newest first; by creation). Paging is by key, never by offset, so pages stay stable while records are added; a cursor only continues the order that issued it (422 `cursor_invalid`). Filters are query parameters named after the field they match exactly (`status`, `service_code`, `category`, …); `region_code` matches that region's whole subtree and never widens the caller's own scope; `from`/`to` are half-open `[from, to)` instants in RFC 3339. A query parameter the operation does not declare is 400 `bad_query` naming it (`unknown_parameter`), never silently ignored; an unknown value of an enumerated filter is 400 `bad_query` (`unknown_value`); a value of the wrong form (a date, a number, a UUID) is 422 naming the parameter and what it must be. The event feed (`/events`) is the one exception: always oldest first, continued with `after`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    components(schemas(
        Problem,
        FieldError,
        // Enumerations used only in query parameters, which utoipa does not collect by itself.
        crate::extract::Reveal,
        jiuzhu_core::SortOrder,
        crate::routes::users::UserStatus,
        jiuzhu_intake::beneficiaries::BeneficiaryStatus,
        jiuzhu_platform::imports::ImportKind,
        crate::routes::catalogue::CatalogueFormat,
        crate::routes::exports::ExportFormat,
        jiuzhu_platform::export::Header,
        crate::routes::reports::SummaryFormat,
        jiuzhu_reports::timeseries::Metric,
        jiuzhu_platform::stats::Interval,
        jiuzhu_needs_assessment::needs::NeedStatus,
    )),
    modifiers(&BearerScheme),
    tags(
        (name = "system", description = "Health and readiness"),
        (name = "auth", description = "Tokens and the caller's identity"),
        (name = "users", description = "Staff accounts"),
        (name = "clients", description = "API clients of department systems and exchange jobs"),
        (name = "reference", description = "Regions, departments, roles and enumerations"),
        (name = "audit", description = "The hash-chained audit log"),
        (name = "events", description = "The event feed"),
        (name = "beneficiaries", description = "The service target list (服务对象清单)"),
        (name = "applications", description = "One-form applications (一表受理)"),
        (name = "referrals", description = "Transfers to departments (转办/转介)"),
        (name = "imports", description = "Bulk exchange as jobs"),
        (name = "discoveries", description = "Proactive discovery (主动发现) and department signals (动态监测)"),
        (name = "visits", description = "Village station visits (探访关爱)"),
        (name = "hotline", description = "The 12349 hotline"),
        (name = "assessment", description = "Needs assessment (需求评估) and the service needs list (服务需求清单)"),
        (name = "reports", description = "The pilot's figures (统计)"),
        (name = "webhooks", description = "Events pushed to subscribers' systems, signed and retried (事件推送)"),
        (name = "exports", description = "The published lists as CSV downloads"),
        (name = "registry", description = "Registry search for other departments (信息共享)"),
        (name = "dci", description = "The DCI social registry API 1.0.0 (Digital Convergence Initiative) for department systems built to it"),
        (name = "matching", description = "The service project list (服务项目清单), providers (承接主体) and volunteers"),
        (name = "evaluation", description = "Evaluation of purchased projects (项目评估) and appeals"),
        (name = "orders", description = "Service orders (服务派单), deliveries, feedback and follow-ups"),
        (name = "procurement", description = "Government purchase of services (政府购买): funds under the 3% cap and projects"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some("A token from POST /api/v1/auth/token"))
            .build();
        components.security_schemes.insert("bearer".into(), RefOr::T(SecurityScheme::Http(scheme)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::openapi::path::Operation;

    /// Asserts that `pattern` matches exactly the samples `parses` accepts.
    fn pattern_agrees_with_parser(pattern: &str, samples: &[&str], parses: impl Fn(&str) -> bool) {
        let pattern = regex_lite::Regex::new(pattern).unwrap();
        for sample in samples {
            let parsed = parses(sample);
            assert_eq!(pattern.is_match(sample), parsed, "{sample:?}: the parser says {parsed}");
        }
    }

    #[test]
    fn the_region_code_pattern_accepts_exactly_what_the_parser_accepts() {
        let region = |s: &str| jiuzhu_core::RegionCode::parse(s).is_ok();
        pattern_agrees_with_parser(
            REGION_CODE_PATTERN,
            &[
                "640200",
                "640202",
                "110000",
                "010000",
                "000000",
                "006402",
                "640202001",
                "640202000",
                "640200001",
                "640202001001",
                "640202000001",
                "640200001001",
                "64020200100",
                "6402020010011",
                "64020a",
                "",
                "640202999999",
            ],
            region,
        );
        // Every 6-digit prefix class, and townships and villages under each.
        let mut generated = Vec::new();
        for head in ["00", "01", "09", "10", "64", "99"] {
            for county in ["00", "01", "10", "99"] {
                for tail in ["", "000", "001", "100", "000000", "000001", "001000", "999999"] {
                    generated.push(format!("{head}02{county}{tail}"));
                }
            }
        }
        pattern_agrees_with_parser(REGION_CODE_PATTERN, &generated.iter().map(String::as_str).collect::<Vec<_>>(), region);
    }

    #[test]
    fn the_identifier_patterns_admit_what_the_parsers_read() {
        let citizen = regex_lite::Regex::new(CITIZEN_ID_PATTERN).unwrap();
        let credit = regex_lite::Regex::new(CREDIT_CODE_PATTERN).unwrap();
        for valid in ["11010519491231002X", "11010519491231002x", " 440524188001010014 "] {
            assert!(citizen.is_match(valid) && jiuzhu_core::CitizenId::parse(valid).is_ok(), "{valid}");
        }
        for refused in ["1101051949123100", "1101051949123100XX", "A1010519491231002X", "110105194912310Y2X", "11010519491231002Y"] {
            assert!(!citizen.is_match(refused) && jiuzhu_core::CitizenId::parse(refused).is_err(), "{refused}");
        }
        for valid in ["91350100M000100Y43", "91350100m000100y43"] {
            assert!(credit.is_match(valid) && jiuzhu_core::credit_code::CreditCode::parse(valid).is_ok(), "{valid}");
        }
        for refused in ["91350100M000100Y4", "9135010OM000100Y43", "91350100I000100Y43", "913501A0M000100Y43"] {
            assert!(!credit.is_match(refused) && jiuzhu_core::credit_code::CreditCode::parse(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn the_phone_pattern_accepts_exactly_what_the_parser_accepts() {
        let samples = [
            "13912345678",
            "139-1234-5678",
            "139 1234 5678",
            "+8613912345678",
            "+86 139 1234 5678",
            "008613912345678",
            "0951-1234567",
            "09511234567",
            "010-12345678",
            "0101234567890",
            "12912345678",
            "1391234567",
            "139123456789",
            "0012345678",
            "8613912345678",
            "+86-0951-1234567",
            "",
            "abc",
            "1391234567x",
            "+8-6 13912345678",
            "0 0 8 6 13912345678",
        ];
        pattern_agrees_with_parser(PHONE_PATTERN, &samples, |s| jiuzhu_core::phone::Phone::parse(s).is_ok());
    }

    #[test]
    fn the_idempotency_key_pattern_is_visible_ascii() {
        let pattern = regex_lite::Regex::new(IDEMPOTENCY_KEY_PATTERN).unwrap();
        let visible: String = (0x21u8..=0x7e).map(char::from).collect();
        assert!(pattern.is_match(&visible) && pattern.is_match("a") && pattern.is_match(&"k".repeat(255)));
        for refused in ["", " ", "a b", "ключ", "\t", &"k".repeat(256)] {
            assert!(!pattern.is_match(refused), "{refused:?}");
        }
    }

    #[test]
    fn route_table_matches_templates() {
        let mut document = ApiDoc::openapi();
        let mut item = utoipa::openapi::PathItem::default();
        item.get = Some(Operation::default());
        item.patch = Some(Operation::default());
        document.paths.paths.insert("/api/v1/users/{id}".into(), item);
        let table = RouteTable::from_document(&document);
        assert_eq!(table.allowed("/api/v1/users/42"), Some(vec!["GET".to_string(), "PATCH".to_string()]));
        assert_eq!(table.allowed("/api/v1/users"), None);
        assert_eq!(table.allowed("/api/v1/users/42/extra"), None);
        let mut count = utoipa::openapi::PathItem::default();
        count.get = Some(Operation::default());
        document.paths.paths.insert("/api/v1/users/count".into(), count);
        let table = RouteTable::from_document(&document);
        assert_eq!(table.allowed("/api/v1/users/count"), Some(vec!["GET".to_string()]), "the literal route decides");
        assert_eq!(table.allowed("/api/v1/users/43"), Some(vec!["GET".to_string(), "PATCH".to_string()]));
    }

    #[test]
    fn an_action_changes_the_resource_it_is_under() {
        assert_eq!(versioned_resource("/api/v1/discoveries/{id}/verify"), "/api/v1/discoveries/{id}");
        assert_eq!(versioned_resource("/api/v1/users/{id}"), "/api/v1/users/{id}");
        assert_eq!(versioned_resource("/api/v1/users/count"), "/api/v1/users/count");
    }

    #[test]
    fn every_read_of_a_versioned_resource_documents_its_etag() {
        let document = serde_json::to_value(crate::server::openapi_document()).unwrap();
        let paths = document["paths"].as_object().unwrap();
        let mut checked = 0;
        for (path, item) in paths {
            let changed_by_if_match = paths.iter().any(|(other, item)| {
                versioned_resource(other) == path
                    && item
                        .as_object()
                        .unwrap()
                        .values()
                        .any(|op| op["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["name"] == "If-Match")))
            });
            if changed_by_if_match && item.get("get").is_some() {
                assert!(item["get"]["responses"]["200"]["headers"].get("ETag").is_some(), "GET {path} does not document its ETag");
                checked += 1;
            }
        }
        assert!(checked >= 17, "only {checked} versioned reads");
        assert!(paths["/api/v1/discoveries/{id}"]["get"]["responses"]["200"]["headers"].get("ETag").is_some());
    }

    #[test]
    fn every_reference_in_the_contract_resolves() {
        let document = serde_json::to_value(crate::server::openapi_document()).unwrap();
        let mut found = Vec::new();
        references(&document, &mut found);
        assert!(found.len() > 100);
        let unresolved: Vec<&String> = found
            .iter()
            .filter(|target| {
                let pointer = target.strip_prefix('#').unwrap_or(target);
                document.pointer(pointer).is_none()
            })
            .collect();
        assert!(unresolved.is_empty(), "unresolved: {unresolved:?}");
    }
}
