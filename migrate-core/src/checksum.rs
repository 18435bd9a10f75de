//! Checksums of migration scripts and the hash chain over a migration set.
//!
//! Algorithm version 1, specified in the README so other tools can compute it:
//! the checksum is SHA-256 of the up script after removing a leading UTF-8 byte order mark and
//! turning CRLF and lone CR into LF. Nothing else is normalised. The chain starts at 32 zero
//! bytes; each migration extends it with `SHA-256(previous || version as 8 big-endian bytes ||
//! checksum)`; after the last one, each repeatable migration, in name order, extends it with
//! `SHA-256(previous || SHA-256(name) || checksum)` (see [`chain_repeatable`]).

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Digest32 = [u8; 32];

/// The chain value before the first migration.
pub const CHAIN_START: Digest32 = [0; 32];

/// The checksum of an up script (version 1 of the algorithm).
pub fn checksum(script: &str) -> Digest32 {
    let text = script.strip_prefix('\u{feff}').unwrap_or(script);
    let mut hasher = Sha256::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    // Feed runs between CRs as they are, so the common LF-only file is hashed without a copy.
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' {
            hasher.update(&bytes[start..i]);
            hasher.update(b"\n");
            if bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
    hasher.update(&bytes[start..]);
    hasher.finalize().into()
}

/// Extends the chain `previous` with one migration.
pub fn chain(previous: &Digest32, version: i64, checksum: &Digest32) -> Digest32 {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(version.to_be_bytes());
    hasher.update(checksum);
    hasher.finalize().into()
}

/// Extends the chain `previous` with a repeatable migration named `name` (as in
/// `R__<name>.sql` or `repeatable/<name>.sql`): `SHA-256(previous || SHA-256(name) ||
/// checksum)`. It hashes 96 bytes where a versioned step hashes 72, so no repeatable step can
/// stand for a versioned one.
pub fn chain_repeatable(previous: &Digest32, name: &str, checksum: &Digest32) -> Digest32 {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(Sha256::digest(name.as_bytes()));
    hasher.update(checksum);
    hasher.finalize().into()
}

/// Lower-case hexadecimal text of a digest.
pub fn to_hex(digest: &Digest32) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0xf)] as char);
    }
    out
}

/// Parses 64 hexadecimal digits (either case) into a digest.
pub fn from_hex(text: &str) -> Option<Digest32> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let high = (pair[0] as char).to_digit(16)?;
        let low = (pair[1] as char).to_digit(16)?;
        *slot = u8::try_from(high * 16 + low).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_and_bom_do_not_change_the_checksum() {
        let lf = checksum("create table a (id int);\nselect 1;\n");
        assert_eq!(lf, checksum("create table a (id int);\r\nselect 1;\r\n"));
        assert_eq!(lf, checksum("create table a (id int);\rselect 1;\r"));
        assert_eq!(
            lf,
            checksum("\u{feff}create table a (id int);\r\nselect 1;\n")
        );
        assert_ne!(lf, checksum("create table a (id int);\nselect 1;"));
        assert_ne!(lf, checksum("create table a (id int); \nselect 1;\n"));
    }

    #[test]
    fn checksum_is_sha256_of_the_text() {
        assert_eq!(
            to_hex(&checksum("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            to_hex(&checksum("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn hex_round_trips_and_rejects_garbage() {
        let digest = checksum("x");
        assert_eq!(from_hex(&to_hex(&digest)), Some(digest));
        assert_eq!(from_hex(&to_hex(&digest).to_uppercase()), Some(digest));
        assert_eq!(from_hex("00"), None);
        assert_eq!(from_hex(&"g".repeat(64)), None);
        assert_eq!(from_hex(&"é".repeat(32)), None);
    }

    #[test]
    fn chain_depends_on_order_version_and_checksum() {
        let a = checksum("a");
        let b = checksum("b");
        let ab = chain(&chain(&CHAIN_START, 1, &a), 2, &b);
        let ba = chain(&chain(&CHAIN_START, 2, &b), 1, &a);
        assert_ne!(ab, ba);
        assert_ne!(chain(&CHAIN_START, 1, &a), chain(&CHAIN_START, 2, &a));
    }

    #[test]
    fn repeatable_steps_depend_on_name_and_checksum() {
        let a = checksum("a");
        let step = chain_repeatable(&CHAIN_START, "views", &a);
        assert_ne!(step, chain_repeatable(&CHAIN_START, "grants", &a));
        assert_ne!(
            step,
            chain_repeatable(&CHAIN_START, "views", &checksum("b"))
        );
        let mut input = CHAIN_START.to_vec();
        input.extend_from_slice(&Sha256::digest(b"views"));
        input.extend_from_slice(&a);
        assert_eq!(step, <[u8; 32]>::from(Sha256::digest(&input)));
    }
}
