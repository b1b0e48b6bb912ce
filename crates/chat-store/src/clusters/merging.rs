//! One page from the pages several clusters answered for the same cursor (search, mentions).
//!
//! Each cluster answers the rows after the cursor in the same order, and says where its page
//! ended when it has more. Below that point it has said nothing, so nothing below the highest
//! such point is handed out yet: the next page starts there, and every cluster is asked again
//! from it. So the merged pages neither skip nor repeat a row, whatever each cluster holds.

use crate::error::{StoreError, StoreResult};

/// One cluster's answer: its items, each with its place in the order (larger first), and, when
/// it has more, the place of its page's last row (which can be past its last item: rows it
/// leaves out, such as deleted messages, still move its cursor).
#[derive(Debug)]
pub(crate) struct Answered<T, K> {
    pub items: Vec<(T, K)>,
    pub more_after: Option<K>,
}

/// At most `limit` items in order, and the cursor after which the next page starts.
pub(crate) fn merge<T, K: Ord + Copy>(pages: Vec<Answered<T, K>>, limit: usize) -> (Vec<T>, Option<K>) {
    let boundary = pages.iter().filter_map(|page| page.more_after).max();
    let mut items: Vec<(T, K)> = pages
        .into_iter()
        .flat_map(|page| page.items)
        .filter(|(_, place)| boundary.is_none_or(|boundary| *place >= boundary))
        .collect();
    items.sort_by_key(|(_, place)| std::cmp::Reverse(*place));
    let truncated = items.len() > limit;
    items.truncate(limit);
    let next = if truncated { items.last().map(|(_, place)| *place) } else { boundary };
    (items.into_iter().map(|(item, _)| item).collect(), next)
}

/// The answers of the clusters that answered, and the numbers of those down; an error other than
/// an outage, or every cluster down, is the answer.
pub(crate) fn answered<T>(answers: Vec<StoreResult<T>>) -> StoreResult<(Vec<T>, Vec<u16>)> {
    let (total, mut pages, mut missing, mut outage) = (answers.len(), Vec::new(), Vec::new(), None);
    for (cluster, answer) in answers.into_iter().enumerate() {
        match answer {
            Ok(page) => pages.push(page),
            Err(StoreError::Unavailable(error)) => {
                missing.push(u16::try_from(cluster).unwrap_or(u16::MAX));
                outage = Some(error);
            }
            Err(other) => return Err(other),
        }
    }
    if missing.len() == total {
        return Err(StoreError::Unavailable(outage.unwrap_or_default()));
    }
    Ok((pages, missing))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Pages through `clusters` (each a list of places, larger first, some left out as deleted)
    /// `limit` at a time, as a cluster would answer: the rows after the cursor, `limit` of them.
    fn page_through(clusters: &[Vec<(i64, bool)>], limit: usize) -> Vec<i64> {
        let (mut seen, mut cursor) = (Vec::new(), i64::MAX);
        for _ in 0..1000 {
            let pages = clusters
                .iter()
                .map(|rows| {
                    let after: Vec<&(i64, bool)> = rows.iter().filter(|(place, _)| *place < cursor).collect();
                    let page = &after[..after.len().min(limit)];
                    let more_after = (after.len() > limit).then(|| page.last().unwrap().0);
                    let items =
                        page.iter().filter(|(_, deleted)| !deleted).map(|(place, _)| (*place, *place)).collect();
                    Answered { items, more_after }
                })
                .collect();
            let (items, next) = merge(pages, limit);
            seen.extend(items);
            match next {
                Some(next) => cursor = next,
                None => return seen,
            }
        }
        panic!("no end");
    }

    #[test]
    fn merged_pages_hand_out_every_row_once_in_order() {
        let first: Vec<(i64, bool)> = (0..40).map(|n| (n * 3, n % 7 == 0)).rev().collect();
        let second: Vec<(i64, bool)> = (0..25).map(|n| (n * 3 + 1, false)).rev().collect();
        let third: Vec<(i64, bool)> = vec![(1000, false), (2, true)];
        let mut expected: Vec<i64> = [&first, &second, &third]
            .iter()
            .flat_map(|rows| rows.iter())
            .filter(|(_, d)| !d)
            .map(|(p, _)| *p)
            .collect();
        expected.sort_unstable_by(|a, b| b.cmp(a));
        for limit in [1, 2, 3, 7, 50] {
            assert_eq!(page_through(&[first.clone(), second.clone(), third.clone()], limit), expected, "limit {limit}");
        }
    }

    #[test]
    fn a_cluster_with_more_holds_back_what_lies_below_its_page() {
        let pages = vec![
            Answered { items: vec![("a9", 9), ("a8", 8)], more_after: Some(7) },
            Answered { items: vec![("b6", 6), ("b1", 1)], more_after: None },
        ];
        // a7 was deleted: the first cluster's page ended at 7, and what it has below is unknown.
        assert_eq!(merge(pages, 10), (vec!["a9", "a8"], Some(7)));
    }
}
