//! perseus-report: replays perseus event logs (see `perseus-report --help`
//! and docs/report.md).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(perseus::report::app::main(&args));
}
