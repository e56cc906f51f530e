//! A tiny driver for trying the language by hand: `cargo run -p pacta-lang --example pactc -- FILE [--fmt]`.
//! The real command-line tool is `pacta` in `pacta-cli`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: pactc FILE [--fmt]");
        std::process::exit(2);
    };
    let src = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    if args.iter().any(|a| a == "--fmt") {
        match pacta_lang::format(&src) {
            Ok(out) => print!("{out}"),
            Err(d) => {
                eprint!("{}", pacta_lang::render(path, &src, &d, false));
                std::process::exit(1);
            }
        }
        return;
    }
    let c = pacta_lang::compile(&src);
    eprint!("{}", pacta_lang::render(path, &src, &c.diagnostics, false));
    if c.agreement.is_none() {
        std::process::exit(1);
    }
    println!("{:#?}", c.agreement);
}
