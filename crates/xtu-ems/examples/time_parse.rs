// One-off timing (not committed): median of N parses of each file.
fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().unwrap().parse().unwrap();
    for path in args {
        let bytes = std::fs::read(&path).unwrap();
        let mut t: Vec<f64> = (0..runs)
            .map(|_| {
                let s = std::time::Instant::now();
                let r = std::hint::black_box(xtu_ems::transcript::parse(&bytes));
                let e = s.elapsed().as_secs_f64() * 1e3;
                if runs == 1 {
                    println!("{:?}", r.as_ref().map(|_| "ok"));
                }
                e
            })
            .collect();
        t.sort_by(f64::total_cmp);
        println!("{path}\t{:.3} ms", t[t.len() / 2]);
    }
}
