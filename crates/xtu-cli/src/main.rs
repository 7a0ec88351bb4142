//! The `xtu` binary: everything is in the library ([`xtu_cli::run`]).

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(xtu_cli::run(std::env::args_os()))
}
