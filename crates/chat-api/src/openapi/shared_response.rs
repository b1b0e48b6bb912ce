//! What the wrappers and passes that declare a shared answer once have in common: walking a path
//! item's operations, and adding the answer to one by reference to its single description.

use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::{Ref, RefOr, Response};

/// Each operation `item` has, whatever its method.
pub(super) fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

/// Documents `status` on `operation` as the shared response `name` (one of `problems.rs`). An
/// operation that declares `status` itself keeps its own description.
pub(super) fn add(operation: &mut Operation, status: &str, name: &str) {
    let reference: RefOr<Response> = Ref::from_response_name(name).into();
    operation.responses.responses.entry(status.to_owned()).or_insert(reference);
}
