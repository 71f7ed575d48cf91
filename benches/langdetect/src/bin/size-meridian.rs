//! Meridian's detector (script, words, whatlang restricted, priors).
fn main() {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).ok();
    println!("{:?}", meridian_langdetect::language::detect_scored(&line));
}
