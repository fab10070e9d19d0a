//! CORS for the city's browser front ends: origins listed in
//! `JIUZHU_CORS_ORIGINS` (or `*`) get the `Access-Control-*` headers and
//! their preflights answered; any other origin gets none, so the browser
//! keeps its same-origin rule. Nothing is sent when the list is empty.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};

const ALLOWED_METHODS: &str = "GET, POST, PATCH, PUT, DELETE, OPTIONS";
const ALLOWED_HEADERS: &str = "Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-Id";
const EXPOSED_HEADERS: &str = "ETag, Location, Retry-After, X-Request-Id, Idempotent-Replayed";
const PREFLIGHT_MAX_AGE_SECS: &str = "3600";

/// The origins allowed to call from a browser.
#[derive(Debug, Clone, Default)]
pub struct CorsOrigins(pub Vec<String>);

impl CorsOrigins {
    /// What to put in `Access-Control-Allow-Origin` for this request's origin, if anything.
    pub fn allow(&self, origin: &str) -> Option<String> {
        if self.0.iter().any(|o| o == "*") {
            Some("*".into())
        } else {
            self.0.iter().any(|o| o.trim_end_matches('/') == origin).then(|| origin.to_string())
        }
    }
}

pub async fn cors(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, Error> {
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_string);
    let allowed = match (origin, req.app_data::<web::Data<CorsOrigins>>()) {
        (Some(origin), Some(origins)) => origins.allow(&origin),
        _ => None,
    };
    let Some(allowed) = allowed else { return Ok(next.call(req).await?.map_into_boxed_body()) };
    if req.method() == Method::OPTIONS && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
        let preflight = HttpResponse::NoContent()
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE_SECS))
            .insert_header((header::VARY, "Origin"))
            .finish();
        return Ok(req.into_response(preflight));
    }
    let mut response = next.call(req).await?.map_into_boxed_body();
    let headers = response.headers_mut();
    if let Ok(value) = header::HeaderValue::from_str(&allowed) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, header::HeaderValue::from_static(EXPOSED_HEADERS));
    headers.append(header::VARY, header::HeaderValue::from_static("Origin"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_origins_are_allowed() {
        let listed = CorsOrigins(vec!["https://jiuzhu.example.gov.cn/".into()]);
        assert_eq!(listed.allow("https://jiuzhu.example.gov.cn").as_deref(), Some("https://jiuzhu.example.gov.cn"));
        assert_eq!(listed.allow("https://evil.example"), None);
        assert_eq!(CorsOrigins::default().allow("https://jiuzhu.example.gov.cn"), None);
        assert_eq!(CorsOrigins(vec!["*".into()]).allow("https://any.example").as_deref(), Some("*"));
    }
}
