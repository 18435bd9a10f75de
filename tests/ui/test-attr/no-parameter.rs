// `#[migrate::test]` on a function that takes no pool
#[migrate::test]
async fn users() {}

fn main() {}
