//! Route registration. Every route goes through utoipa-actix-web, so no
//! route can exist without its OpenAPI entry. Each module serves one
//! resource (its header names its paths) and registers its own routes with
//! `configure`, in the order they must be matched; a test holds the
//! published order to that (a literal segment before a parameter).

pub mod applications;
pub mod assessment;
pub mod audit;
pub mod auth;
pub mod beneficiaries;
pub mod bids;
pub mod catalogue;
pub mod clients;
pub mod contracts;
pub mod dci;
pub mod evaluation;
pub mod exports;
pub mod field;
pub mod follow_ups;
pub mod funds;
pub mod health;
pub mod imports;
pub mod inspections;
pub mod matches;
pub mod ocds;
pub mod orders;
pub mod projects;
pub mod providers;
pub mod reference;
pub mod reports;
pub mod users;
pub mod volunteers;
pub mod webhooks;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz).service(health::readyz);
    cfg.service(
        scope::scope("/api/v1")
            .configure(auth::configure)
            .configure(users::configure)
            .configure(clients::configure)
            .configure(reference::configure)
            .configure(audit::configure)
            .configure(beneficiaries::configure)
            .configure(applications::configure)
            .configure(imports::configure)
            .configure(field::configure)
            .configure(assessment::configure)
            .configure(dci::configure)
            .configure(exports::configure)
            .configure(reports::configure)
            .configure(webhooks::configure)
            .configure(catalogue::configure)
            .configure(providers::configure)
            .configure(volunteers::configure)
            .configure(matches::configure)
            .configure(funds::configure)
            .configure(projects::configure)
            .configure(ocds::configure)
            .configure(bids::configure)
            .configure(contracts::configure)
            .configure(orders::configure)
            .configure(follow_ups::configure)
            .configure(inspections::configure)
            .configure(evaluation::configure),
    );
}

#[cfg(test)]
mod tests {
    /// Whether `earlier`, a path template, takes the requests of `later`:
    /// same length, and each segment equal or a parameter.
    fn shadows(earlier: &str, later: &str) -> bool {
        let (a, b): (Vec<&str>, Vec<&str>) = (earlier.split('/').collect(), later.split('/').collect());
        earlier != later && a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x == y || x.starts_with('{'))
    }

    /// actix matches routes in registration order, which the published path
    /// order follows: a route that an earlier one of the same method also
    /// matches would never be reached (`GET /users/count` after `/users/{id}`).
    #[test]
    fn no_route_is_shadowed_by_one_registered_before_it() {
        assert!(shadows("/api/v1/users/{id}", "/api/v1/users/count") && !shadows("/api/v1/users/count", "/api/v1/users/{id}"));
        // The document itself, not a JSON value: serde_json's map would sort the paths.
        let document = crate::server::openapi_document();
        let paths: Vec<(&String, &utoipa::openapi::PathItem)> = document.paths.paths.iter().collect();
        assert!(paths.len() > 100, "the paths were read");
        let mut shadowed = Vec::new();
        type Has = fn(&utoipa::openapi::PathItem) -> bool;
        let methods: [(&str, Has); 5] = [
            ("GET", |item| item.get.is_some()),
            ("POST", |item| item.post.is_some()),
            ("PUT", |item| item.put.is_some()),
            ("PATCH", |item| item.patch.is_some()),
            ("DELETE", |item| item.delete.is_some()),
        ];
        for (method, has) in methods {
            let with: Vec<&String> = paths.iter().filter(|(_, item)| has(item)).map(|(path, _)| *path).collect();
            for (n, earlier) in with.iter().enumerate() {
                for later in &with[n + 1..] {
                    if shadows(earlier, later) {
                        shadowed.push(format!("{method} {later} comes after {earlier}"));
                    }
                }
            }
        }
        assert!(shadowed.is_empty(), "routes never reached:\n{}", shadowed.join("\n"));
    }

    /// A handler that takes `IfMatch` declares it (`params(…, IfMatch)`), so
    /// the contract says which operations need the header and its 428/412.
    #[test]
    fn every_handler_taking_if_match_declares_it() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
        let (mut undeclared, mut checked) = (Vec::new(), 0);
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for operation in text.split("#[utoipa::path(").skip(1) {
                let Some((attribute, handler)) = operation.split_once(")]\n") else { continue };
                let signature = handler.split("fn ").nth(1).and_then(|rest| rest.split("-> ").next()).unwrap_or_default();
                if signature.contains(": IfMatch") {
                    checked += 1;
                    if !attribute.contains("IfMatch") {
                        let name = signature.split('(').next().unwrap_or("?");
                        undeclared.push(format!("{}: {name}", entry.file_name().to_string_lossy()));
                    }
                }
            }
        }
        assert!(checked > 40, "only {checked} handlers take If-Match");
        assert!(undeclared.is_empty(), "handlers taking If-Match without declaring it:\n{}", undeclared.join("\n"));
    }

    /// Each route module's header names the resources it serves, so that a
    /// path is found by reading headers (`/households` in beneficiaries.rs).
    #[test]
    fn every_route_module_names_its_paths_in_its_header() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
        let mut missing = Vec::new();
        let mut modules = 0;
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let header: String = text.lines().take_while(|l| l.starts_with("//!")).collect::<Vec<_>>().join(" ");
            modules += 1;
            for line in text.lines() {
                let Some(path) = ["#[get(\"", "#[post(\"", "#[patch(\"", "#[put(\"", "#[delete(\""]
                    .iter()
                    .find_map(|opening| line.trim().strip_prefix(opening))
                    .and_then(|rest| rest.split('"').next())
                else {
                    continue;
                };
                let resource: String = path.split('/').take(if path.starts_with("/public/") { 3 } else { 2 }).collect::<Vec<_>>().join("/");
                if !header.contains(&format!("`{resource}")) && !header.contains(&format!(" {resource}")) {
                    missing.push(format!("{}: {path}", entry.file_name().to_string_lossy()));
                }
            }
        }
        assert!(modules > 20, "the route modules were read");
        assert!(missing.is_empty(), "paths their module's header does not name:\n{}", missing.join("\n"));
    }
}
