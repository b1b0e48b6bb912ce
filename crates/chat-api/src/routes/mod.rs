//! The HTTP surface: every route the server answers, registered in one place.

mod auth;
mod chats;
mod health;
mod messages;
mod users;

use crate::problem::ApiError;
use actix_web::web;

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(health::healthz)
        .service(health::readyz)
        .service(
            web::scope("/api/v1")
                .service(auth::register)
                .service(auth::login)
                .service(auth::logout)
                .service(users::me)
                .service(chats::create)
                .service(chats::get)
                .service(messages::create)
                .service(messages::get),
        );
}

/// Answers every unknown path with a problem, like every other error.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NoRoute)
}
