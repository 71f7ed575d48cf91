//! lingua with our 20 languages' models (the same binary serves both accuracy modes).
fn main() {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).ok();
    let low = std::env::args().any(|a| a == "--low");
    let d = meridian_langdetect::lingua(low);
    println!("{:?}", meridian_langdetect::lingua_code(&d, &line));
}
