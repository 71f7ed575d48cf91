//! The baseline: read a line, answer.
fn main() {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).ok();
    println!("{}", line.trim().len());
}
