// `#[migrate::test]` on a generic function: the parameter's type must pick the database
#[migrate::test]
async fn users<P>(pool: P) {
    let _ = pool;
}

fn main() {}
