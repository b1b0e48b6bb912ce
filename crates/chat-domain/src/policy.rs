//! Who may do what in a chat. Plain functions over memberships, so every caller applies the same rules.

use crate::chat::{Chat, ChatKind};
use crate::error::DomainError;
use crate::error_code::ErrorCode;
use crate::ids::UserId;
use crate::membership::{Membership, Role};
use crate::message::Message;

/// Renaming a chat and adding or removing others needs owner or admin.
pub fn can_manage_chat(actor: &Membership) -> Result<(), DomainError> {
    if actor.role >= Role::Admin { Ok(()) } else { Err(DomainError::Forbidden("needs the owner or admin role")) }
}

/// Only the author edits a message, and only while it exists.
pub fn can_edit(message: &Message, actor: UserId) -> Result<(), DomainError> {
    if message.author_id != actor {
        return Err(DomainError::Forbidden("only the author may edit a message"));
    }
    if message.is_deleted {
        return Err(DomainError::Conflict(ErrorCode::MessageDeleted));
    }
    Ok(())
}

/// The author deletes their own message; an owner or admin deletes anyone's.
pub fn can_delete(message: &Message, actor: &Membership) -> Result<(), DomainError> {
    if message.author_id == actor.user_id || actor.role >= Role::Admin {
        Ok(())
    } else {
        Err(DomainError::Forbidden("only the author, an admin or the owner may delete a message"))
    }
}

/// A message's receipts (who got it, who read it) are for its author, and the chat's admins and
/// owners.
pub fn can_see_receipts(author: UserId, viewer: &Membership) -> Result<(), DomainError> {
    if author == viewer.user_id || viewer.role >= Role::Admin {
        Ok(())
    } else {
        Err(DomainError::Forbidden("only the author, an admin or the owner may see a message's receipts"))
    }
}

/// Reactions need a message that still exists.
pub fn can_react(message: &Message) -> Result<(), DomainError> {
    if message.is_deleted { Err(DomainError::Conflict(ErrorCode::MessageDeleted)) } else { Ok(()) }
}

/// A direct chat's two members are fixed: nobody joins, leaves or changes role.
pub fn can_change_membership(chat: &Chat) -> Result<(), DomainError> {
    if chat.kind == ChatKind::Direct { Err(DomainError::Conflict(ErrorCode::DirectChat)) } else { Ok(()) }
}

/// Banning: an admin or the owner bans; only an owner bans an owner (a member's current `role`).
pub fn can_ban(actor: &Membership, target: Option<Role>) -> Result<(), DomainError> {
    can_manage_chat(actor)?;
    if target == Some(Role::Owner) && actor.role != Role::Owner {
        return Err(DomainError::Forbidden("only an owner may ban an owner"));
    }
    Ok(())
}

/// Giving a role: admins manage members and admins, only an owner makes or unmakes owners.
pub fn can_assign_role(actor: &Membership, current: Option<Role>, wanted: Role) -> Result<(), DomainError> {
    can_manage_chat(actor)?;
    let touches_owner = wanted == Role::Owner || current == Some(Role::Owner);
    if touches_owner && actor.role != Role::Owner {
        return Err(DomainError::Forbidden("only an owner may grant or revoke the owner role"));
    }
    Ok(())
}

/// Removing `target` (themself = leaving). The last owner must hand over first.
pub fn can_remove(actor: &Membership, target: &Membership, owners: usize) -> Result<(), DomainError> {
    if actor.user_id != target.user_id {
        can_manage_chat(actor)?;
        if target.role == Role::Owner && actor.role != Role::Owner {
            return Err(DomainError::Forbidden("only an owner may remove an owner"));
        }
    }
    if target.role == Role::Owner && owners <= 1 {
        return Err(DomainError::Conflict(ErrorCode::LastOwner));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ChatId;
    use crate::timestamp::Timestamp;

    fn member(user: i64, role: Role) -> Membership {
        Membership {
            chat_id: ChatId(1),
            user_id: UserId(user),
            role,
            joined_at: Timestamp::now(),
            last_read_message_id: None,
        }
    }

    #[test]
    fn roles_gate_management() {
        assert!(can_manage_chat(&member(1, Role::Member)).is_err());
        assert!(can_manage_chat(&member(1, Role::Admin)).is_ok());
        assert!(can_assign_role(&member(1, Role::Admin), None, Role::Admin).is_ok());
        assert!(can_assign_role(&member(1, Role::Admin), None, Role::Owner).is_err());
        assert!(can_assign_role(&member(1, Role::Admin), Some(Role::Owner), Role::Member).is_err());
        assert!(can_assign_role(&member(1, Role::Owner), Some(Role::Owner), Role::Member).is_ok());
    }

    #[test]
    fn last_owner_cannot_leave() {
        let owner = member(1, Role::Owner);
        assert_eq!(can_remove(&owner, &owner, 1), Err(DomainError::Conflict(ErrorCode::LastOwner)));
        assert!(can_remove(&owner, &owner, 2).is_ok());
        let plain = member(2, Role::Member);
        assert!(can_remove(&plain, &plain, 1).is_ok());
        assert!(can_remove(&plain, &member(3, Role::Member), 1).is_err());
        assert!(can_remove(&member(4, Role::Admin), &owner, 2).is_err());
    }
}
