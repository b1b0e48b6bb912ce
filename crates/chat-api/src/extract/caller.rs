//! The authenticated caller, from `Authorization: Bearer <token>`. Every protected handler takes one;
//! downloads also take the token as a query parameter. A token limited to chosen chats is checked
//! here, against the route, before any handler runs (`token_scope.rs`).

use crate::auth::token;
use crate::extract::token_scope::RouteChats;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest};
use chat_domain::{ChatId, ChatScope, DomainError, Resource, User};
use futures_util::future::LocalBoxFuture;

#[derive(Debug)]
pub struct Caller {
    pub user: User,
    /// The hash of the token this request came with, so logout can revoke exactly it.
    pub token_hash: Vec<u8>,
    /// The chats this token reaches; the route's own chat has been checked against it already.
    pub scope: ChatScope,
}

impl Caller {
    /// Whether this token reaches `chat`: for the one route that names its chat in the body
    /// (`POST /messages`). A chat outside it is answered as one that does not exist.
    pub fn reaches(&self, chat: ChatId) -> Result<(), ApiError> {
        if self.scope.admits(chat) { Ok(()) } else { Err(DomainError::NotFound(Resource::Chat).into()) }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        authenticate(req, bearer_token(req))
    }
}

/// The caller of a download: the `Authorization` header, or else an `access_token` query
/// parameter (RFC 6750), since a browser's `<img src>` cannot send a header. Only the upload
/// routes take it; the server never logs query strings.
#[derive(Debug)]
pub struct DownloadCaller(pub Caller);

impl FromRequest for DownloadCaller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req).or_else(|| query_token(req));
        let caller = authenticate(req, token);
        Box::pin(async move { caller.await.map(DownloadCaller) })
    }
}

fn query_token(req: &HttpRequest) -> Option<String> {
    let pairs = actix_web::web::Query::<Vec<(String, String)>>::from_query(req.query_string()).ok()?;
    pairs
        .into_inner()
        .into_iter()
        .find(|(name, value)| name == "access_token" && !value.is_empty())
        .map(|(_, token)| token)
}

fn authenticate(req: &HttpRequest, token: Option<String>) -> LocalBoxFuture<'static, Result<Caller, ApiError>> {
    let state = req.app_data::<Data<AppState>>().cloned();
    let route = RouteChats::of(req);
    Box::pin(async move {
        let token = token.ok_or(ApiError::Unauthorized)?;
        let state = state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
        let token_hash = token::hash(&token);
        let holder = state.store.authenticate(&token_hash).await?.ok_or(ApiError::Unauthorized)?;
        if holder.scope.is_limited() {
            route.admit(&state, &holder.scope).await?;
        }
        Ok(Caller { user: holder.user, token_hash, scope: holder.scope })
    })
}

/// The token of an `Authorization: Bearer` header (the scheme is case-insensitive).
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}
