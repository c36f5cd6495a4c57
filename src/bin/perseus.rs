//! perseus: the load generator (see `perseus --help` and README.md).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(perseus::load::main(&args));
}
