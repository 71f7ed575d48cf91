//! whatlang over all its languages, as meridian used it before.
fn main() {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).ok();
    println!("{:?}", meridian_langdetect::today(&line));
}
