//! Thumbnails: an image scaled to fit a square of one of the ladder's sizes, made once and kept
//! beside the original. Decoding is bounded: an image claiming more pixels than
//! `MAX_DECODED_PIXELS` is refused from its header, before any pixel is decoded, and the decoder's
//! allocations are capped as well. Decodes run off the async threads, two at a time; only they
//! read an original (at most the upload limit) into memory.

use crate::error::MediaError;
use crate::sniff::dimensions;
use crate::storage::MediaStore;
use bytes::Bytes;
use chat_domain::UploadId;
use chat_domain::thumbnail::MAX_DECODED_PIXELS;
use chat_domain::upload::is_inline_image;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder as _, ImageError, ImageFormat, ImageReader, Limits};
use object_store::PutPayload;
use std::io::Cursor;

/// The decoder's allocation cap: the largest image allowed as RGBA, with room to spare.
const MAX_DECODE_ALLOC: u64 = 4 * MAX_DECODED_PIXELS + 64 * 1024 * 1024;

/// A thumbnail's bytes and type.
#[derive(Clone, Debug)]
pub struct Thumbnail {
    pub bytes: Bytes,
    pub content_type: &'static str,
    /// Whether this request made it (rather than finding it stored).
    pub made_now: bool,
}

/// Why there is no thumbnail.
#[derive(Debug, thiserror::Error)]
pub enum ThumbnailError {
    #[error("{0} is not an image the server thumbnails (PNG, JPEG, GIF, WebP)")]
    NotAnImage(String),
    #[error("the image has {pixels} pixels; the server decodes at most {MAX_DECODED_PIXELS}")]
    TooLarge { pixels: u64 },
    #[error("the image cannot be decoded: {0}")]
    Undecodable(String),
    #[error(transparent)]
    Storage(#[from] MediaError),
}

impl MediaStore {
    /// The thumbnail of upload `id` (of type `content_type`) at `size`: from storage if made
    /// before, else made now and stored. JPEGs stay JPEG; everything else becomes PNG (transparency).
    pub async fn thumbnail(&self, id: UploadId, content_type: &str, size: u32) -> Result<Thumbnail, ThumbnailError> {
        if !is_inline_image(content_type) {
            return Err(ThumbnailError::NotAnImage(content_type.to_owned()));
        }
        let (format, out_type) = if content_type == "image/jpeg" {
            (ImageFormat::Jpeg, "image/jpeg")
        } else {
            (ImageFormat::Png, "image/png")
        };
        let path = self.thumbnails(id).child(size.to_string());
        if let Some(bytes) = self.stored(&path).await? {
            return Ok(Thumbnail { bytes, content_type: out_type, made_now: false });
        }
        // Waiting requests hold nothing: the original is read only with a decode slot, and a
        // request that waited for one finds the thumbnail another has made meanwhile.
        let permit =
            self.decoding.clone().acquire_owned().await.map_err(|e| ThumbnailError::Undecodable(e.to_string()))?;
        if let Some(bytes) = self.stored(&path).await? {
            return Ok(Thumbnail { bytes, content_type: out_type, made_now: false });
        }
        let source = self.store.get(&self.original(id)).await.map_err(MediaError::from)?;
        let source = source.bytes().await.map_err(MediaError::from)?;
        let made = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            scale(&source, size, format)
        })
        .await
        .map_err(|e| ThumbnailError::Undecodable(e.to_string()))??;
        let bytes = Bytes::from(made);
        self.store.put(&path, PutPayload::from_bytes(bytes.clone())).await.map_err(MediaError::from)?;
        Ok(Thumbnail { bytes, content_type: out_type, made_now: true })
    }

    /// The object at `path`, if there is one.
    async fn stored(&self, path: &object_store::path::Path) -> Result<Option<Bytes>, MediaError> {
        match self.store.get(path).await {
            Ok(found) => Ok(Some(found.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }
}

/// Decodes `source` within the limits and scales it to fit `size` x `size` (never up).
fn scale(source: &[u8], size: u32, format: ImageFormat) -> Result<Vec<u8>, ThumbnailError> {
    let (width, height) = dimensions(source).ok_or_else(|| ThumbnailError::Undecodable("no image header".into()))?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_DECODED_PIXELS {
        return Err(ThumbnailError::TooLarge { pixels });
    }
    // (The header's sides, which an EXIF quarter turn swaps in `dimensions`: bound both by the longer.)
    let mut limits = Limits::default();
    limits.max_image_width = Some(width.max(height));
    limits.max_image_height = Some(width.max(height));
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    let mut reader = ImageReader::new(Cursor::new(source))
        .with_guessed_format()
        .map_err(|e| ThumbnailError::Undecodable(e.to_string()))?;
    reader.limits(limits);
    let refused = |error| match error {
        ImageError::Limits(_) => ThumbnailError::TooLarge { pixels },
        other => ThumbnailError::Undecodable(other.to_string()),
    };
    let mut decoder = reader.into_decoder().map_err(refused)?;
    // A phone's portrait photo is stored sideways with an EXIF orientation; show it upright.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(refused)?;
    image.apply_orientation(orientation);
    let (width, height) = (image.width(), image.height());
    let scaled = if width <= size && height <= size { image } else { image.thumbnail(size, size) };
    let scaled = if format == ImageFormat::Jpeg { DynamicImage::ImageRgb8(scaled.to_rgb8()) } else { scaled };
    let mut out = Vec::new();
    scaled.write_to(&mut Cursor::new(&mut out), format).map_err(|e| ThumbnailError::Undecodable(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::DynamicImage::new_rgba8(width, height).write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn scales_to_fit_and_never_up() {
        let thumb = scale(&png(400, 100), 64, ImageFormat::Png).unwrap();
        assert_eq!(dimensions(&thumb), Some((64, 16)));
        let small = scale(&png(10, 20), 64, ImageFormat::Jpeg).unwrap();
        assert_eq!(dimensions(&small), Some((10, 20)));
    }

    /// A 40 x 20 JPEG whose EXIF orientation (6) says "turn a quarter clockwise to show".
    fn sideways_jpeg() -> Vec<u8> {
        let mut jpeg = Vec::new();
        image::DynamicImage::new_rgb8(40, 20).write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg).unwrap();
        let tiff: &[u8] =
            b"MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00";
        let mut app1 = vec![0xFF, 0xE1, 0, (2 + 6 + tiff.len()) as u8];
        app1.extend_from_slice(b"Exif\x00\x00");
        app1.extend_from_slice(tiff);
        jpeg.splice(2..2, app1);
        jpeg
    }

    #[test]
    fn a_sideways_photo_is_measured_and_thumbnailed_upright() {
        let jpeg = sideways_jpeg();
        assert_eq!(dimensions(&jpeg), Some((20, 40)));
        let thumb = scale(&jpeg, 64, ImageFormat::Jpeg).unwrap();
        assert_eq!(dimensions(&thumb), Some((20, 40)));
    }

    /// CRC-32 (IEEE), as PNG chunks carry it.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0_u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn a_huge_header_is_refused_before_decoding() {
        // A valid PNG header claiming 100,000 x 100,000 pixels, with one pixel of data behind it.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000_u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000_u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(dimensions(&bomb), Some((100_000, 100_000)));
        assert!(matches!(scale(&bomb, 64, ImageFormat::Png), Err(ThumbnailError::TooLarge { pixels: 10_000_000_000 })));
    }
}
