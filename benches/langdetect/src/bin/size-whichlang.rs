//! whichlang.
fn main() {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).ok();
    println!("{:?}", meridian_langdetect::whichlang(&line));
}
