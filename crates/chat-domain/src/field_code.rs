//! The stable `code` of each field a `validation_failed` problem names in its `errors`
//! (docs/API.md, "Field error codes"): one list, shared by the server and its clients, beside the
//! problem codes of [`ErrorCode`](crate::ErrorCode).

use crate::text_enums::code_enum;

code_enum! {
    /// What is wrong with one field, for a client to branch on (the field error's `message` is for
    /// people).
    ///
    /// A code this version does not know reads as `Unknown`, as [`ErrorCode`](crate::ErrorCode)
    /// does, rather than failing the whole problem or keeping the text in an `Other(String)`: the
    /// field's `message` still says what is wrong, a client cannot branch on a code it has never
    /// heard of, and both code lists then read, match and copy alike (`Copy`, `as_str` of
    /// `&'static str`). The server never writes `Unknown`.
    ///
    /// ```
    /// use chat_domain::FieldCode;
    ///
    /// let code: FieldCode = serde_json::from_str(r#""too_long""#)?;
    /// assert_eq!(code, FieldCode::TooLong);
    /// assert_eq!(code.to_string(), "too_long");
    ///
    /// // A code this version of the crate does not know yet is not an error:
    /// let newer: FieldCode = serde_json::from_str(r#""too_early""#)?;
    /// assert_eq!(newer, FieldCode::Unknown);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    FieldCode {
        /// Missing where it is needed (`content` of a text message, `payload` of an image or file
        /// message, a required query parameter).
        Required => "required",
        /// Breaks the field's format rule (username characters, an emoji, NUL characters, a
        /// payload that is no object, a direct chat's `member_ids`, a cursor, a search).
        Invalid => "invalid",
        /// Wrong JSON type or unknown enum value; a query parameter that is not a whole number or
        /// not one of its values.
        InvalidType => "invalid_type",
        /// The body has a field the endpoint does not take.
        UnknownField => "unknown_field",
        /// Shorter than its rule, or blank (lengths count characters, not bytes).
        TooShort => "too_short",
        /// Longer than its rule.
        TooLong => "too_long",
        /// Cannot be used here (`type: "system"`, a direct chat's `title`, uploads on a text
        /// message).
        NotAllowed => "not_allowed",
        /// `payload` is over its size in bytes.
        TooLarge => "too_large",
        /// More items than allowed (`member_ids`, mentions, search words).
        TooMany => "too_many",
        /// The message already has the most distinct emoji.
        TooManyReactions => "too_many_reactions",
        /// Names a user that does not exist.
        UnknownUser => "unknown_user",
        /// Names a message of another chat (or no message).
        NotInChat => "not_in_chat",
        /// `thread_root_id` names a reply in a thread: threads do not nest.
        NestedThread => "nested_thread",
        /// A query number is outside its range.
        OutOfRange => "out_of_range",
        /// More than one of `before`, `after` and `around`, on the second one given.
        Conflicting => "conflicting",
        /// A message edit with neither `content` nor `payload`.
        EmptyPatch => "empty_patch",
        /// `payload.upload_ids` names an upload twice.
        Duplicate => "duplicate",
        /// `payload.upload_ids` names an upload that another message carries.
        AlreadyAttached => "already_attached",
        /// `payload.upload_ids` names an upload that is not the author's (or none).
        NotFound => "not_found",
        /// `payload.upload_ids` of an `image` message names a file that is no image.
        NotAnImage => "not_an_image",
    }
}
