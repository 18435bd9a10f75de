// the same migrations saved with LF and with CRLF plus a byte order mark have the same
// checksums: the CRLF copy verifies against the lock written for the LF one
static LF: migrate::Migrator = migrate::embed_migrations!(
    "tests/ui/fixtures/crlf-bom-checksum/lf",
    require_locked = true
);

static CRLF: migrate::Migrator = migrate::embed_migrations!(
    "tests/ui/fixtures/crlf-bom-checksum/crlf",
    lock = "tests/ui/fixtures/crlf-bom-checksum/lf/migrations.lock",
    require_locked = true,
);

fn main() {
    let (lf, crlf) = (LF.migrations(), CRLF.migrations());
    assert_eq!(lf.len(), 2);
    assert_eq!(crlf.len(), 2);
    for (a, b) in lf.iter().zip(crlf) {
        assert_eq!(a.version(), b.version());
        assert_eq!(a.checksum(), b.checksum());
        assert_eq!(LF.chain_of(a.version()), CRLF.chain_of(b.version()));
        // the SQL itself is kept as written, only the checksum is normalised
        assert_eq!(b.up_sql(), a.up_sql().replace('\n', "\r\n"));
    }
    assert_eq!(LF.head_chain(), CRLF.head_chain());
    assert_eq!(
        crlf[0].up_sql(),
        "create table users (\r\n    id bigint primary key\r\n);\r\n"
    );
}
