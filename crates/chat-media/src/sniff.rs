//! What a file is, read from its first bytes: its type by magic number (`infer`), and an image's
//! dimensions from its header, without decoding a pixel.

use chat_domain::upload::is_inline_image;
use image::ImageDecoder as _;
use image::metadata::Orientation;
use std::io::Cursor;

/// The type the bytes show, if recognised, and an image's width and height.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sniffed {
    pub content_type: Option<&'static str>,
    pub dimensions: Option<(u32, u32)>,
}

/// Sniffs `head`, the first bytes of a file.
pub(crate) fn sniff(head: &[u8]) -> Sniffed {
    let content_type = infer::get(head).map(|kind| kind.mime_type());
    let dimensions = content_type.filter(|kind| is_inline_image(kind)).and_then(|_| dimensions(head));
    Sniffed { content_type, dimensions }
}

/// An image's dimensions from its header alone (cheap even for a decompression bomb), as shown:
/// width and height swap when its EXIF orientation turns it a quarter (a phone's portrait photo).
pub(crate) fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut reader = image::ImageReader::new(Cursor::new(bytes)).with_guessed_format().ok()?;
    reader.no_limits(); // only the header is read; the limits apply where pixels are decoded
    let mut decoder = reader.into_decoder().ok()?;
    let (width, height) = decoder.dimensions();
    let quarter_turn = matches!(
        decoder.orientation(),
        Ok(Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH)
    );
    Some(if quarter_turn { (height, width) } else { (width, height) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_header_gives_type_and_size() {
        let mut png = Vec::new();
        image::DynamicImage::new_rgb8(3, 2).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        assert_eq!(sniff(&png), Sniffed { content_type: Some("image/png"), dimensions: Some((3, 2)) });
        assert_eq!(sniff(b"%PDF-1.7\n").content_type, Some("application/pdf"));
        assert_eq!(sniff(b"just some words"), Sniffed::default());
    }
}
