// a typed version constant passed where a plain integer is expected: the type error lands
// on this code, not inside the macro's expansion
migrate::embed_migrations!(pub mod db, "tests/ui/fixtures/version-constant-misuse");

fn run_to(version: i32) -> i32 {
    version
}

fn main() {
    run_to(db::CREATE_USERS);
}
