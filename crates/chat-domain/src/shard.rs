//! Logical shards: where a chat, and everything keyed by it, lives (docs/ARCHITECTURE.md,
//! "Spreading chats over several clusters").
//!
//! A deployment has a fixed number of logical shards, spread over its PostgreSQL clusters. A
//! chat's id names its shard in its low bits, and so does the id of each of its messages, so a
//! request that names only a chat or a message finds its cluster without a directory.

use crate::ids::{ChatId, MessageId, UserId};

/// The number of logical shards, fixed for a deployment's life: ids carry the shard in their
/// low six bits.
pub const LOGICAL_SHARDS: u16 = 64;

/// One of the `LOGICAL_SHARDS` shards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogicalShard(u16);

impl LogicalShard {
    /// The shard `index` (`index % LOGICAL_SHARDS`).
    pub fn new(index: u16) -> Self {
        Self(index % LOGICAL_SHARDS)
    }

    /// Its index, `0..LOGICAL_SHARDS`.
    pub fn index(self) -> u16 {
        self.0
    }

    /// The shard of a chat: its id's low bits (for a chat made before ids named their shard,
    /// the same rule: such chats are where the deployment started, on its first cluster).
    pub fn of_chat(chat: ChatId) -> Self {
        Self::of_id(chat.0)
    }

    /// The shard of a message made since ids name their shard (`id >= sharded_from`, the
    /// deployment's first such id); `None` for an older one, whose id says nothing of its chat.
    pub fn of_message(message: MessageId, sharded_from: i64) -> Option<Self> {
        (message.0 >= sharded_from).then(|| Self::of_id(message.0))
    }

    /// Where a direct chat between two users goes: always the same shard for the same pair, so
    /// the one direct chat two people share is found (and kept unique) on one cluster.
    pub fn for_direct_chat(one: UserId, other: UserId) -> Self {
        let (low, high) = if one < other { (one.0, other.0) } else { (other.0, one.0) };
        let mixed = mix(mix(low.cast_unsigned()) ^ high.cast_unsigned());
        Self::new(u16::try_from(mixed % u64::from(LOGICAL_SHARDS)).unwrap_or_default())
    }

    /// Where a group chat goes: the shards in turn, by a counter that grows with each chat.
    pub fn for_group_chat(counter: i64) -> Self {
        Self::of_id(counter)
    }

    /// Where a group chat asked for with an idempotency key goes: always the same shard for the
    /// same creator and key, so a retry finds the key where the first attempt claimed it.
    pub fn for_keyed_group_chat(creator: UserId, key: &str) -> Self {
        // FNV-1a over the key's bytes, then mixed with the creator.
        let hashed = key
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3));
        let mixed = mix(hashed ^ mix(creator.0.cast_unsigned()));
        Self::new(u16::try_from(mixed % u64::from(LOGICAL_SHARDS)).unwrap_or_default())
    }

    /// The id made of a counter's value and this shard; `None` past the largest id.
    pub fn id(self, counter: i64) -> Option<i64> {
        counter.checked_mul(i64::from(LOGICAL_SHARDS))?.checked_add(i64::from(self.0))
    }

    fn of_id(id: i64) -> Self {
        Self::new(u16::try_from(id.rem_euclid(i64::from(LOGICAL_SHARDS))).unwrap_or_default())
    }
}

/// SplitMix64's finaliser: every input bit moves every output bit, so consecutive user ids land
/// on unrelated shards.
fn mix(mut value: u64) -> u64 {
    value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    value ^ (value >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_direct_chat_goes_to_the_same_shard_whoever_starts_it() {
        assert_eq!(
            LogicalShard::for_direct_chat(UserId(3), UserId(7)),
            LogicalShard::for_direct_chat(UserId(7), UserId(3))
        );
    }

    #[test]
    fn direct_chats_spread_over_every_shard() {
        let mut counts = [0u32; LOGICAL_SHARDS as usize];
        for one in 1..=100 {
            for other in (one + 1)..=101 {
                counts[usize::from(LogicalShard::for_direct_chat(UserId(one), UserId(other)).index())] += 1;
            }
        }
        // 5,050 pairs: about 79 a shard; none empty, none twice the mean.
        assert!(counts.iter().all(|&count| (40..160).contains(&count)), "{counts:?}");
    }

    #[test]
    fn a_keyed_group_goes_where_its_retry_will_look() {
        let first = LogicalShard::for_keyed_group_chat(UserId(5), "create-team-1");
        assert_eq!(LogicalShard::for_keyed_group_chat(UserId(5), "create-team-1"), first);
        let shards: std::collections::BTreeSet<LogicalShard> =
            (0..2000).map(|n| LogicalShard::for_keyed_group_chat(UserId(5), &format!("key-{n}"))).collect();
        assert_eq!(shards.len(), usize::from(LOGICAL_SHARDS), "keys spread over every shard");
    }

    #[test]
    fn group_chats_take_the_shards_in_turn() {
        let shards: Vec<u16> = (1..=65).map(|counter| LogicalShard::for_group_chat(counter).index()).collect();
        assert_eq!(shards[..3], [1, 2, 3]);
        assert_eq!(shards[63], 0);
        assert_eq!(shards[64], 1);
    }

    #[test]
    fn a_message_older_than_sharded_ids_has_no_shard_of_its_own() {
        let sharded_from = 6_400;
        assert_eq!(LogicalShard::of_message(MessageId(99), sharded_from), None);
        assert_eq!(LogicalShard::of_message(MessageId(6_405), sharded_from), Some(LogicalShard::new(5)));
    }

    #[test]
    fn the_largest_counter_has_no_id() {
        assert_eq!(LogicalShard::new(1).id(i64::MAX / 64 + 1), None);
        assert_eq!(LogicalShard::new(63).id(i64::MAX / 64), Some(i64::MAX));
    }

    proptest! {
        #[test]
        fn an_id_names_the_shard_it_was_made_for(counter in 0i64..i64::MAX / 64, index in 0u16..LOGICAL_SHARDS) {
            let shard = LogicalShard::new(index);
            let id = shard.id(counter).expect("in range");
            prop_assert_eq!(LogicalShard::of_chat(ChatId(id)), shard);
            prop_assert_eq!(LogicalShard::of_message(MessageId(id), 0), Some(shard));
            // Ids made from a growing counter grow, whatever their shard.
            prop_assert!(LogicalShard::new(0).id(counter + 1).is_none_or(|next| next > id));
        }
    }
}
