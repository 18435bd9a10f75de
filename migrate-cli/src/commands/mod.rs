//! One module per command, or per group of commands that share their work.

pub mod add;
pub mod adopt;
pub mod apply;
pub mod check;
pub mod fleet;
pub mod init;
pub mod lock;
pub mod renumber;
pub mod repeatables;
pub mod status;
pub mod up;
