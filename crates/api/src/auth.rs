//! Access tokens: issuing HS256 JWTs for staff who log in, and checking
//! bearer tokens with a pinned algorithm, required claims and a 5 s leeway.
//! `Authenticated` is the extractor that turns a valid token into the
//! `Actor` of its account as the account is now (`SessionCache`).

use crate::problem::ApiError;
use crate::sessions::SessionCache;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use jiuzhu_core::{Actor, Clock, DomainError, RegionCode, Role};
use jiuzhu_platform::accounts::Session;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub const ISSUER: &str = "jiuzhu";
pub const AUDIENCE: &str = "jiuzhu-api";
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    pub region_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    pub jti: String,
    /// The account's security stamp when the token was issued (local tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sst: Option<i64>,
}

/// A token whose signature and claims are good; whether its account still
/// allows it is `SessionCache`'s question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// The actor as the token states it.
    pub claimed: Actor,
    /// The security stamp a local token was issued under.
    pub stamp: Option<i64>,
    /// Issued by an external identity provider: its `sub` is a username.
    pub external: bool,
}

pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_secs: u64,
    clock: Arc<dyn Clock>,
    /// Public keys of an external identity provider, by `kid`.
    external: Vec<ExternalKey>,
}

struct ExternalKey {
    kid: String,
    key: DecodingKey,
    validation: Validation,
}

/// Pins one algorithm and requires the registered claims, with small leeway.
fn validation_for(algorithm: Algorithm, issuer: &str) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    validation.validate_nbf = true;
    validation.leeway = LEEWAY_SECS;
    validation
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService").field("ttl_secs", &self.ttl_secs).finish_non_exhaustive()
    }
}

impl TokenService {
    pub fn hs256(secret: &[u8], ttl_secs: u64, clock: Arc<dyn Clock>) -> Result<Self, DomainError> {
        let key_error = |e: jsonwebtoken::errors::Error| DomainError::Internal(format!("jwt key: {e}"));
        let encoding = EncodingKey::from_secret(secret).map_err(key_error)?;
        let decoding = DecodingKey::from_secret(secret).map_err(key_error)?;
        Ok(Self { encoding, decoding, validation: validation_for(Algorithm::HS256, ISSUER), ttl_secs, clock, external: Vec::new() })
    }

    /// Also accepts RS256/ES256 tokens of an external identity provider whose
    /// public keys are in `jwks_json`; a token names its key by `kid`.
    pub fn with_jwks(mut self, jwks_json: &str, issuer: &str) -> Result<Self, String> {
        let set: JwkSet = serde_json::from_str(jwks_json).map_err(|e| format!("JWKS: {e}"))?;
        for jwk in &set.keys {
            let kid = jwk.common.key_id.clone().ok_or("JWKS: every key needs a kid")?;
            let algorithm = match (&jwk.algorithm, jwk.common.key_algorithm) {
                (AlgorithmParameters::RSA(_), Some(KeyAlgorithm::RS256) | None) => Algorithm::RS256,
                (AlgorithmParameters::EllipticCurve(_), Some(KeyAlgorithm::ES256) | None) => Algorithm::ES256,
                _ => return Err(format!("JWKS: key {kid} is neither RS256 nor ES256")),
            };
            let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("JWKS: key {kid}: {e}"))?;
            self.external.push(ExternalKey { kid, key, validation: validation_for(algorithm, issuer) });
        }
        Ok(self)
    }

    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    pub fn issue(&self, session: &Session) -> Result<String, DomainError> {
        let actor = &session.actor;
        let now = self.clock.now().timestamp();
        let claims = Claims {
            sub: actor.subject.clone(),
            role: actor.role,
            region_code: actor.region.to_string(),
            department: actor.department.clone(),
            provider_id: actor.provider_id.map(|p| p.to_string()),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            exp: now + self.ttl_secs as i64,
            nbf: now,
            iat: now,
            jti: jiuzhu_core::id::new_id().to_string(),
            sst: Some(session.security_stamp),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| DomainError::Internal(format!("jwt encode: {e}")))
    }

    /// Checks signature, algorithm and claims against the injected clock.
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, DomainError> {
        let reject = |why: &str| DomainError::Unauthenticated(format!("invalid token: {why}"));
        // jsonwebtoken checks exp/nbf against the system clock; check them
        // again against ours so tests that move time are honoured.
        let header = jsonwebtoken::decode_header(token).map_err(|e| reject(&e.to_string()))?;
        let (key, validation, external) = match header.kid.as_deref() {
            None => (&self.decoding, &self.validation, false),
            Some(kid) => match self.external.iter().find(|k| k.kid == kid) {
                Some(external) => (&external.key, &external.validation, true),
                None => return Err(reject("unknown kid")),
            },
        };
        let data = jsonwebtoken::decode::<Claims>(token, key, validation).map_err(|e| reject(&e.to_string()))?;
        let claims = data.claims;
        let now = self.clock.now().timestamp();
        let leeway = LEEWAY_SECS as i64;
        if claims.exp + leeway < now {
            return Err(reject("expired"));
        }
        if claims.nbf - leeway > now {
            return Err(reject("not yet valid"));
        }
        let region = RegionCode::parse(&claims.region_code).map_err(|_| reject("bad region_code"))?;
        let provider_id = claims.provider_id.as_deref().map(|p| p.parse()).transpose().map_err(|_| reject("bad provider_id"))?;
        if !external && claims.sst.is_none() {
            return Err(reject("no security stamp; log in again"));
        }
        let claimed = Actor { subject: claims.sub, role: claims.role, region, department: claims.department, provider_id };
        Ok(VerifiedToken { claimed, stamp: claims.sst, external })
    }

    /// Encodes and decodes a throwaway token: proves at start that the crypto backend works.
    pub fn self_test(&self) -> Result<(), DomainError> {
        let probe = Actor {
            subject: "self-test".into(),
            role: Role::Auditor,
            region: RegionCode::parse("640200").map_err(DomainError::Internal)?,
            department: None,
            provider_id: None,
        };
        let token = self.issue(&Session { actor: probe.clone(), security_stamp: 0, kind: jiuzhu_platform::accounts::AccountKind::User })?;
        let back = self.verify(&token).map_err(|e| DomainError::Internal(format!("token self-test failed: {e}")))?;
        if back.claimed != probe || back.stamp != Some(0) {
            return Err(DomainError::Internal("token self-test returned different claims".into()));
        }
        Ok(())
    }
}

/// The bearer token of a request, whatever the scheme's case and spacing.
pub fn bearer_token(req: &HttpRequest) -> Result<&str, DomainError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| DomainError::Unauthenticated("an Authorization: Bearer token is required".into()))?;
    let value = value.to_str().map_err(|_| DomainError::Unauthenticated("the Authorization header is not readable".into()))?;
    let value = value.trim();
    let (scheme, token) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(DomainError::Unauthenticated("the Authorization header must use the Bearer scheme".into()));
    }
    Ok(token.trim())
}

/// An authenticated caller, acting with its account's current rights;
/// extracting it answers 401 when the token is missing, bad, or no longer
/// allowed by its account (inactive, gone, or changed since it was issued).
pub struct Authenticated(pub Actor);

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let checked = (|| -> Result<_, DomainError> {
            let tokens = req.app_data::<web::Data<TokenService>>().ok_or_else(|| DomainError::Internal("token service missing".into()))?;
            let sessions =
                req.app_data::<web::Data<SessionCache>>().ok_or_else(|| DomainError::Internal("session cache missing".into()))?;
            let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| DomainError::Internal("state missing".into()))?;
            let token = tokens.verify(bearer_token(req)?)?;
            Ok((token, sessions.clone(), state.db.clone()))
        })();
        Box::pin(async move {
            let (token, sessions, db) = checked.map_err(ApiError::from)?;
            sessions.admit(&db, &token).await.map(Authenticated).map_err(ApiError::from)
        })
    }
}
