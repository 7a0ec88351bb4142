//! Prints a policy's waits: `schedule TRIES FIRST_MS [FACTOR] [--jitter]`.

use std::time::Duration;

use retry_policy::{Decision, Policy};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, name: &str, default: Option<u32>| -> u32 {
        match (args.get(i).filter(|a| !a.starts_with("--")), default) {
            (Some(text), _) => text.parse().unwrap_or_else(|_| {
                eprintln!("{name} must be a whole number, not {text:?}");
                std::process::exit(2)
            }),
            (None, Some(default)) => default,
            (None, None) => {
                eprintln!("usage: schedule TRIES FIRST_MS [FACTOR] [--jitter]");
                std::process::exit(2)
            }
        }
    };
    let tries = number(0, "TRIES", None);
    let first = Duration::from_millis(u64::from(number(1, "FIRST_MS", None)));
    let mut policy = Policy::tries(tries, first).factor(number(2, "FACTOR", Some(2)));
    if args.iter().any(|a| a == "--jitter") {
        policy = policy.jittered();
    }
    let mut schedule = policy.start();
    while let Some(wait) = schedule.next_wait(Decision::Retry) {
        println!("try {} after {} ms", schedule.tries(), wait.as_millis());
    }
}
