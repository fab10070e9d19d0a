//! The route table read from the document: which methods a path allows
//! (405 against 404) and which query parameters an operation takes.

use crate::query_contract::{QueryParameter, ValueKind};
use utoipa::openapi::OpenApi as Document;

/// A documented path: its segments, and each method with its query parameters.
#[derive(Debug, Clone, Default)]
pub(crate) struct Route {
    segments: Vec<String>,
    methods: Vec<(String, Vec<QueryParameter>)>,
}

impl Route {
    fn matches(&self, wanted: &[&str]) -> bool {
        self.segments.len() == wanted.len()
            && self.segments.iter().zip(wanted).all(|(s, w)| (s.starts_with('{') && !w.is_empty()) || s == w)
    }

    /// How many segments are literal: the most literal route decides.
    fn literal_segments(&self) -> usize {
        self.segments.iter().filter(|s| !s.starts_with('{')).count()
    }
}

/// The documented routes: the methods each path accepts (to answer 405 with
/// `Allow`) and the query parameters each operation takes (to refuse others).
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    pub fn from_document(document: &Document) -> Self {
        let json = serde_json::to_value(document).unwrap_or_default();
        let mut routes = Vec::new();
        for (path, item) in json["paths"].as_object().into_iter().flatten() {
            let segments = path.trim_matches('/').split('/').map(str::to_string).collect();
            let methods = ["get", "put", "post", "delete", "patch"]
                .into_iter()
                .filter(|method| item[*method].is_object())
                .map(|method| {
                    let parameters = item[method]["parameters"].as_array().into_iter().flatten();
                    let query = parameters
                        .filter(|p| p["in"] == "query")
                        .filter_map(|p| {
                            let name = p["name"].as_str()?.to_string();
                            Some(QueryParameter { name, kind: ValueKind::of_schema(&p["schema"], &json) })
                        })
                        .collect();
                    (method.to_ascii_uppercase(), query)
                })
                .collect();
            routes.push(Route { segments, methods });
        }
        Self { routes }
    }

    fn matching<'a>(&'a self, path: &str) -> Vec<&'a Route> {
        let wanted: Vec<&str> = path.trim_matches('/').split('/').collect();
        let matching: Vec<&Route> = self.routes.iter().filter(|route| route.matches(&wanted)).collect();
        let most_literal = matching.iter().map(|route| route.literal_segments()).max().unwrap_or(0);
        matching.into_iter().filter(|route| route.literal_segments() == most_literal).collect()
    }

    /// The methods a path allows, or `None` when no route has this path.
    /// The most literal route decides: `/beneficiaries/count` is its own
    /// resource, not `/beneficiaries/{id}` with the id `count`.
    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let mut allowed: Vec<String> =
            self.matching(path).into_iter().flat_map(|route| route.methods.iter().map(|(method, _)| method.clone())).collect();
        allowed.sort();
        allowed.dedup();
        (!allowed.is_empty()).then_some(allowed)
    }

    /// The query parameters of the operation a request reaches, or `None`
    /// when no documented operation answers it.
    pub fn query_parameters(&self, method: &str, path: &str) -> Option<&[QueryParameter]> {
        self.matching(path)
            .into_iter()
            .flat_map(|route| route.methods.iter())
            .find(|(declared, _)| declared == method)
            .map(|(_, parameters)| parameters.as_slice())
    }
}
