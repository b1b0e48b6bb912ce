//! Moderation: reports, the audit log, server roles and suspensions.

use crate::client::{Call, Client};
use crate::error::ClientResult;
use chat_domain::{
    AuditPage, Report, ReportDraft, ReportList, ReportResolution, ServerRole, ServerRolePatch, SuspensionDraft,
    Timestamp, UserId,
};
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

    /// Suspends `user` from the whole server until `until` (`None`: until lifted), for `reason`:
    /// their sessions end at once and login answers `account_suspended`. Suspending again
    /// replaces the suspension, so a retry is harmless.
    pub async fn suspend(&self, user: UserId, until: Option<Timestamp>, reason: &str) -> ClientResult<()> {
        let draft = SuspensionDraft { until, reason: reason.to_owned() };
        self.execute(Call::repeatable(Method::POST, format!("/moderation/users/{user}/suspend")).json(&draft)?).await
    }

    /// Lifts `user`'s suspension (none is no error).
    pub async fn unsuspend(&self, user: UserId) -> ClientResult<()> {
        self.execute(Call::repeatable(Method::POST, format!("/moderation/users/{user}/unsuspend"))).await
    }

    /// Reports a message of a chat the caller is in, or a user (`draft` names exactly one).
    pub async fn report(&self, draft: &ReportDraft) -> ClientResult<Report> {
        self.fetch(Call::once(Method::POST, "/reports").json(draft)?).await
    }

    /// The reports the caller handles, newest first: `limit` (1 to 200) before report `before`.
    pub async fn reports(&self, before: Option<i64>, limit: Option<u32>) -> ClientResult<ReportList> {
        let mut query = Vec::new();
        if let Some(before) = before {
            query.push(format!("before={before}"));
        }
        if let Some(limit) = limit {
            query.push(format!("limit={limit}"));
        }
        let path = if query.is_empty() { "/reports".to_owned() } else { format!("/reports?{}", query.join("&")) };
        self.fetch(Call::repeatable(Method::GET, path)).await
    }

    /// Resolves report `id` with an action and a note; `report_resolved` if it was already.
    pub async fn resolve_report(&self, id: i64, resolution: &ReportResolution) -> ClientResult<Report> {
        self.fetch(Call::repeatable(Method::POST, format!("/reports/{id}/resolve")).json(resolution)?).await
    }
}
