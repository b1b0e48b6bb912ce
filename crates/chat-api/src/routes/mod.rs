//! The HTTP surface: every route the server answers, registered in one place.

mod auth;
mod bans;
mod bots;
mod chats;
mod commands;
mod health;
mod history;
mod incoming;
mod members;
mod mentions;
mod messages;
mod metrics;
mod moderation;
mod notifications;
mod presence;
mod privacy;
mod push;
mod reactions;
mod read_state;
mod realtime;
mod receipts;
mod reports;
mod search;
mod threads;
mod uploads;
mod users;
pub mod web_client;
mod webhooks;

use crate::openapi::{WithPathErrors, WithStoreErrors};
use crate::problem::ApiError;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every route; registering through `utoipa_actix_web` puts each one in the OpenAPI
/// document as well. The handlers' annotations leave out the answers many routes share, which
/// are documented once: the 400 of an unparsable path segment (`WithPathErrors`), the 503 of an
/// unreachable database (`WithStoreErrors`), and the 401 of every route that requires a token
/// (`openapi::OpenApiJson`, from the operation's `security`).
pub fn configure(config: &mut ServiceConfig) {
    // Answered without the database. The document is registered before the `/api/v1` scope,
    // which would otherwise take its path.
    config.service(health::healthz).service(metrics::scrape).service(crate::openapi::document);
    config.service(WithStoreErrors(health::readyz)).service(WithStoreErrors(WithPathErrors(
        scope::scope("/api/v1")
            .service(auth::register)
            .service(auth::login)
            .service(auth::logout)
            .service(users::me)
            .service(users::rename_me)
            .service(presence::choose)
            .service(privacy::blocks)
            .service(privacy::block)
            .service(privacy::unblock)
            .service(privacy::privacy)
            .service(privacy::set_privacy)
            .service(users::search)
            .service(users::get)
            .service(bots::create)
            .service(bots::list)
            .service(bots::rename)
            .service(bots::remove)
            .service(bots::rotate_token)
            .service(bots::revoke_token)
            .service(chats::create)
            .service(chats::list)
            .service(chats::get)
            .service(chats::rename)
            .service(chats::set_slow_mode)
            .service(members::list)
            .service(members::add)
            .service(members::change_role)
            .service(members::remove)
            .service(bans::ban)
            .service(bans::unban)
            .service(bans::list)
            .service(moderation::audit)
            .service(moderation::set_role)
            .service(moderation::suspend)
            .service(moderation::unsuspend)
            .service(reports::file)
            .service(reports::list)
            .service(reports::resolve)
            .service(history::history)
            .service(read_state::mark_read)
            .service(messages::create)
            .service(messages::get)
            .service(messages::edit)
            .service(messages::remove)
            .service(messages::edits)
            .service(threads::thread)
            .service(receipts::list)
            .service(search::search)
            .service(mentions::list)
            .service(reactions::add)
            .service(reactions::remove)
            .service(uploads::create)
            .service(uploads::download)
            .service(uploads::thumbnail)
            .service(push::vapid_key)
            .service(push::register)
            .service(push::list)
            .service(push::remove)
            .service(notifications::get)
            .service(notifications::set)
            .service(realtime::websocket)
            .service(realtime::events)
            .service(webhooks::create)
            .service(webhooks::list)
            .service(webhooks::remove)
            .service(webhooks::enable)
            .service(webhooks::deliveries)
            .service(commands::replace)
            .service(commands::list)
            .service(incoming::post),
    )));
}

/// Answers every unknown path with a problem, like every other error.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NoRoute)
}
