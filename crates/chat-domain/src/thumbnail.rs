//! Thumbnail sizes: a fixed ladder, so each image is scaled at most a handful of times whatever
//! sizes clients ask for.

/// The sizes thumbnails are made at: the longest side's bound, in pixels.
pub const THUMBNAIL_SIZES: [u32; 5] = [64, 128, 256, 512, 1024];

/// The size used when a request names none.
pub const DEFAULT_THUMBNAIL_SIZE: u32 = 256;

/// The thumbnail a request for `requested` pixels gets: the smallest size on the ladder at least
/// that large (the largest for anything bigger); `None` for 0.
pub fn thumbnail_size(requested: u32) -> Option<u32> {
    if requested == 0 {
        return None;
    }
    Some(THUMBNAIL_SIZES.into_iter().find(|&size| size >= requested).unwrap_or(THUMBNAIL_SIZES[4]))
}

/// The most pixels an image may have for the server to decode it (about 100 MB as RGBA); a
/// larger one (or a decompression bomb claiming to be) is refused before any decoding.
pub const MAX_DECODED_PIXELS: u64 = 25_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_up_the_ladder() {
        assert_eq!(thumbnail_size(0), None);
        assert_eq!(thumbnail_size(1), Some(64));
        assert_eq!(thumbnail_size(200), Some(256));
        assert_eq!(thumbnail_size(256), Some(256));
        assert_eq!(thumbnail_size(5000), Some(1024));
    }
}
