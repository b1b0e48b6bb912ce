//! Server moderation: the audit log, and server roles.

use crate::client::{Call, Client};
use crate::error::ClientResult;
use chat_domain::{AuditPage, ServerRole, ServerRolePatch, UserId};
use reqwest::Method;

impl Client {
    /// A page of the moderation audit log (server moderators and admins), newest first: `limit`
    /// entries (1 to 200, the server's default 50) before entry `before`.
    pub async fn audit(&self, before: Option<i64>, limit: Option<u32>) -> ClientResult<AuditPage> {
        let mut query = Vec::new();
        if let Some(before) = before {
            query.push(format!("before={before}"));
        }
        if let Some(limit) = limit {
            query.push(format!("limit={limit}"));
        }
        let path = if query.is_empty() {
            "/moderation/audit".to_owned()
        } else {
            format!("/moderation/audit?{}", query.join("&"))
        };
        self.fetch(Call::repeatable(Method::GET, path)).await
    }

    /// Gives `user` a server role, or takes theirs away (`None`); server admins only.
    pub async fn set_server_role(&self, user: UserId, role: Option<ServerRole>) -> ClientResult<()> {
        let path = format!("/moderation/users/{user}/role");
        self.execute(Call::repeatable(Method::PUT, path).json(&ServerRolePatch { role })?).await
    }
}
