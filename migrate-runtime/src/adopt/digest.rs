//! The checksums other tools record, computed from a migration of this set, so `adopt` can
//! tell that the file is the script the other tool applied. Each recipe cites its source; the
//! research notes (`notes/peers.md`) verified the refinery and Flyway recipes against the
//! tools' own code.

use sha2::Digest as _;

use super::ChecksumKind;
use crate::driver::hex;
use crate::table::Migration;

/// A checksum as another tool recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// sqlx: the SHA-384 of the file, 48 bytes.
    Sqlx(Vec<u8>),
    /// Flyway: a signed 32-bit CRC.
    Flyway(i64),
    /// refinery: a SipHash-1-3 as a decimal `u64`, over the name it recorded.
    Refinery {
        /// The `name` column.
        name: String,
        /// The `checksum` column.
        hash: String,
    },
    /// A home-made runner: a hex digest of the file.
    Hex(ChecksumKind, String),
}

/// What a comparison found: `Ok(algorithm)` when the file gives the recorded checksum, else
/// the algorithm, the recorded value and the file's, as messages show them.
pub(crate) type Verdict = Result<&'static str, (&'static str, String, String)>;

/// Compares `recorded` with what `m`'s up script gives by the same recipe.
pub(crate) fn verify(recorded: &Recorded, m: &Migration) -> Verdict {
    let sql = m.up_sql();
    // The table keeps a script without its byte order mark; the tools that hash the raw
    // file (sqlx, refinery, most home-made runners) hashed it with the mark, if there was one.
    let with_bom = format!("\u{feff}{sql}");
    let texts = [sql, with_bom.as_str()];
    match recorded {
        Recorded::Sqlx(bytes) => {
            let algorithm = "sha384";
            let digest = |text: &str| sha2::Sha384::digest(text.as_bytes()).to_vec();
            if texts.iter().any(|t| digest(t) == *bytes) {
                return Ok(algorithm);
            }
            Err((algorithm, hex(bytes), hex(&digest(sql))))
        }
        Recorded::Flyway(value) => {
            let algorithm = "crc32";
            let computed = i64::from(flyway(sql));
            if computed == *value {
                return Ok(algorithm);
            }
            Err((algorithm, value.to_string(), computed.to_string()))
        }
        Recorded::Refinery { name, hash } => {
            let algorithm = "siphash-1-3";
            let version = m.version().get();
            let narrow = i32::try_from(version).ok();
            // refinery hashes its version as i32, or as i64 with its `int8-versions` feature
            // (refinery-core 0.10 `util.rs`): a 64-bit hash that matches either way is proof.
            let candidates = texts.iter().flat_map(|t| {
                let wide = refinery(name, Width::I64(version), t);
                let narrow = narrow.map(|v| refinery(name, Width::I32(v), t));
                narrow.into_iter().chain([wide])
            });
            let recorded: Option<u64> = hash.trim().parse().ok();
            if candidates.into_iter().any(|c| Some(c) == recorded) {
                return Ok(algorithm);
            }
            let shown = narrow.map_or(Width::I64(version), Width::I32);
            Err((
                algorithm,
                hash.clone(),
                refinery(name, shown, sql).to_string(),
            ))
        }
        Recorded::Hex(kind, text) => {
            let algorithm = kind.name();
            let digest = |t: &str| match kind {
                ChecksumKind::Sha256 => hex(&sha2::Sha256::digest(t.as_bytes())),
                ChecksumKind::Md5 => {
                    hex(<md5::Md5 as md5::Digest>::digest(t.as_bytes()).as_slice())
                }
            };
            // The file as it is, with its mark, and with its line ends made LF (the
            // candidates of the research notes, §8: there is no standard).
            let lf = sql.replace("\r\n", "\n").replace('\r', "\n");
            let wanted = text.trim().to_ascii_lowercase();
            if texts
                .iter()
                .chain([&lf.as_str()])
                .any(|t| digest(t) == wanted)
            {
                return Ok(algorithm);
            }
            Err((algorithm, text.clone(), digest(sql)))
        }
    }
}

/// Flyway's checksum (Flyway 4 and later): the CRC-32 of the script's lines without their
/// line ends, a leading U+FEFF dropped, stored as a signed 32-bit integer
/// (flyway/flyway `flyway-core/src/main/java/org/flywaydb/core/internal/resolver/ChecksumCalculator.java`:
/// `BufferedReader.readLine()`, `BomFilter.FilterBomFromString`, `crc32.update(line.getBytes(UTF_8))`,
/// `(int) crc32.getValue()`). `readLine` ends a line at `\n`, `\r\n` or a lone `\r`, so the
/// stream hashed is the text with every `\r` and `\n` removed.
pub(crate) fn flyway(sql: &str) -> i32 {
    const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
    let text = sql.strip_prefix('\u{feff}').unwrap_or(sql);
    let mut digest = CRC32.digest();
    for piece in text.split(['\r', '\n']) {
        digest.update(piece.as_bytes());
    }
    // Java's `(int)` cast of the unsigned CRC: the same 32 bits, read as signed.
    digest.finalize() as i32
}

/// How refinery's version column was declared, which decides how many bytes it hashes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Width {
    /// `int4`, refinery's default.
    I32(i32),
    /// `int8`, with refinery's `int8-versions` feature.
    I64(i64),
}

/// refinery's checksum: SipHash-1-3 with keys (0, 0) over `name`, the version and the SQL as
/// std's `Hash` feeds them — each string's bytes then `0xFF`, the integer in little-endian
/// bytes (crate refinery-core 0.10.1 `src/runner.rs`: `SipHasher13::new()`, then
/// `name.hash`, `version.hash`, `sql.hash`; siphasher 1.0.1 `src/sip.rs` for the keys).
pub(crate) fn refinery(name: &str, version: Width, sql: &str) -> u64 {
    use std::hash::Hasher as _;
    let mut stream = Vec::with_capacity(name.len() + sql.len() + 10);
    stream.extend_from_slice(name.as_bytes());
    stream.push(0xff);
    match version {
        Width::I32(v) => stream.extend_from_slice(&v.to_le_bytes()),
        Width::I64(v) => stream.extend_from_slice(&v.to_le_bytes()),
    }
    stream.extend_from_slice(sql.as_bytes());
    stream.push(0xff);
    let mut hasher = siphasher::sip::SipHasher13::new();
    hasher.write(&stream);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refinery_checksums_match_refinerys_own() {
        // The values rustc's DefaultHasher (SipHash-1-3, keys 0, 0) gives for refinery's
        // inputs, as the research notes recorded them (notes/peers.md §3).
        let sql = "CREATE TABLE persons (id int, name varchar(255), city varchar(255));";
        assert_eq!(
            refinery("initial", Width::I32(1), sql),
            9_011_118_159_008_407_467
        );
        assert_eq!(
            refinery("initial", Width::I64(1), sql),
            4_937_351_808_774_016_580
        );
    }

    #[test]
    fn flyway_checksums_ignore_line_ends_and_the_byte_order_mark() {
        // -69630916: Python's binascii.crc32 of "CREATE TABLE t (id INT);SELECT 1;" (0xfbd9843c),
        // read as a signed 32-bit integer
        let lf = "CREATE TABLE t (id INT);\nSELECT 1;\n";
        assert_eq!(
            flyway(lf),
            flyway("\u{feff}CREATE TABLE t (id INT);\r\nSELECT 1;\r")
        );
        assert_eq!(flyway(lf), -69_630_916);
        assert_eq!(flyway(""), 0);
    }
}
