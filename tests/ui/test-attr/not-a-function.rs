// `#[migrate::test]` on something that is not a function
#[migrate::test]
struct Users;

fn main() {}
