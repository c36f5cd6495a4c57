//! perseus-supervise: runs one lab server as its Debian unit would
//! (docs/lab.md, "Supervised servers").

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(perseus::supervise::main(&args));
}
