//! The most frequent words of each language written in Latin or Cyrillic letters (function
//! words, greetings, "can", "have", "still"), and the letters only some of them use. On a
//! message of three words these say more than character trigrams can.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Languages in Latin letters, in the order of the score arrays.
pub const LATIN: [&str; 12] = ["en", "es", "pt", "fr", "de", "it", "nl", "pl", "tr", "vi", "id", "sv"];
/// Languages in Cyrillic letters.
pub const CYRILLIC: [&str; 2] = ["ru", "uk"];

const WORDS: &[(&str, &str)] = &[
    ("en", "the a an and or is are was were it i you my me we our to of in on for with not no can't cannot can don't doesn't didn't isn't hasn't haven't won't wasn't this that these have has had do does did what where when how why please thanks thank hi hello still after since from get got keeps but at be been will would there yet so if yes any again just"),
    ("es", "a el la los las un una unos y o es son está están de del en con por para que no sí mi mis me se su sus pero cuando dónde donde cómo qué porque hola gracias ya sigue muy desde al lo le les hay puedo puede tengo tiene nunca también aunque estoy sin nos os"),
    ("pt", "o a os as um uma e é são de do da dos das em no na nos nas com por para que não sim meu minha meus se seu sua mas quando onde como olá obrigado obrigada já está estou muito desde ao à há consigo posso tenho tem nunca também mesmo depois você vocês ainda foi pelo pela sem"),
    ("fr", "le la les un une et ou est sont de du des en dans avec pour par que qui ne pas je j' n' l' d' c' qu' s' m' mon ma mes se son sa mais quand où comment bonjour merci déjà très depuis au aux il elle nous vous ça toujours plus sur ce cette peux peut ai avez"),
    ("de", "der die das den dem des ein eine einen einem und oder ist sind nicht kein keine ich mich mir du wir ihr sie es mit für von zu zum im in auf bei seit nach aber wenn wo wie warum hallo danke bitte schon noch immer sehr auch kann können habe hat meine mein meinen geht kommt"),
    ("it", "il lo la i gli le un una uno e o è sono di del della dei in nel nella con per da che non mi si mio mia miei ma quando dove come ciao grazie già ancora molto anche ho ha hanno al alla dopo riesco posso buongiorno sempre più questo questa"),
    ("nl", "de het een en of is zijn was van in op met voor naar bij dat die niet geen ik mij me je jij we wij mijn maar wanneer waar hoe waarom hallo bedankt dank al nog steeds heel ook kan kun kunnen heb heeft sinds na wel er"),
    ("pl", "i w z na do nie się to jest są że a o od po dla przy jak gdzie kiedy dlaczego mój moje moja mi mnie ale już jeszcze bardzo też mogę może można dzień dobry dzięki dziękuję proszę czy ten ta tego"),
    ("tr", "ve bir bu şu için ile de da ne değil var yok ben sen biz siz benim ama çok daha gibi nasıl nerede neden merhaba teşekkürler teşekkür lütfen hâlâ hala sonra beri kadar mi mı mu mü"),
    ("vi", "và là của có không được trong cho với một những các tôi bạn anh chị em này đã đang sẽ rồi khi ở đâu sao vẫn chưa cảm ơn xin chào giúp thì bị từ"),
    ("id", "dan yang di ke dari ini itu untuk dengan tidak bisa saya kami kamu anda ada sudah belum masih juga atau tapi karena kalau apa mana bagaimana terima kasih tolong halo sejak setelah saat waktu akan"),
    ("sv", "och att det som en ett är i på av för med till den de inte jag mig du vi ni min mitt mina men när var hur varför hej tack redan fortfarande mycket också kan har sedan efter om får nu bara"),
    ("ru", "и в не на я что с по это как а но мой моя мне уже ещё еще где когда почему здравствуйте спасибо пожалуйста при после хотя могу есть нет он она они вы мы"),
    ("uk", "і й в у не на я що з по це як а але мій моя мені вже ще де коли чому добрий дякую будь ласка під після хоча можу є немає він вона вони ви ми"),
];

/// Each listed word with the languages (bits, in [`LATIN`] then [`CYRILLIC`] order) that use it.
pub fn words() -> &'static HashMap<&'static str, u16> {
    static MAP: OnceLock<HashMap<&'static str, u16>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map: HashMap<&'static str, u16> = HashMap::new();
        for (lang, list) in WORDS {
            let bit = 1u16 << index(lang).unwrap_or(15);
            for w in list.split_whitespace() {
                *map.entry(w).or_default() |= bit;
            }
        }
        map
    })
}

/// A language's place in the score arrays: [`LATIN`], then [`CYRILLIC`] from 12.
pub fn index(code: &str) -> Option<usize> {
    LATIN.iter().chain(CYRILLIC.iter()).position(|c| *c == code)
}

/// Letters that only some of the Latin-script languages use, and the weight each lends them.
pub fn letter_cues(c: char) -> &'static [(usize, f64)] {
    // Indexes into LATIN: en 0, es 1, pt 2, fr 3, de 4, it 5, nl 6, pl 7, tr 8, vi 9, id 10, sv 11.
    match c {
        'ã' | 'õ' => &[(2, 2.0)],
        'ñ' | '¿' | '¡' => &[(1, 2.0)],
        'ç' => &[(3, 0.7), (2, 0.7), (8, 0.7)],
        'ß' => &[(4, 2.0)],
        'ä' => &[(4, 1.0), (11, 1.0)],
        'ö' => &[(4, 0.7), (11, 0.7), (8, 0.7)],
        'ü' => &[(4, 1.0), (8, 1.0)],
        'å' => &[(11, 2.0)],
        'ğ' | 'ş' | 'ı' | 'İ' => &[(8, 2.0)],
        'ł' | 'ą' | 'ę' | 'ś' | 'ź' | 'ż' | 'ć' | 'ń' => &[(7, 2.0)],
        'ó' => &[(7, 0.5), (1, 0.5), (2, 0.3)],
        'é' => &[(3, 0.5), (1, 0.3), (2, 0.3), (5, 0.2), (9, 0.2)],
        'è' => &[(3, 1.0), (5, 1.0), (9, 0.5)],
        'à' => &[(3, 0.7), (5, 0.7), (2, 0.5), (9, 0.5)],
        'â' | 'ê' | 'ô' => &[(3, 0.6), (2, 0.6), (9, 0.4)],
        'î' | 'û' | 'ë' | 'ï' | 'œ' => &[(3, 1.5)],
        'ù' => &[(3, 1.0), (5, 0.5), (9, 0.5)],
        'ì' | 'ò' => &[(5, 1.0), (9, 1.0)],
        'á' | 'í' | 'ú' => &[(1, 0.5), (2, 0.5), (9, 0.3)],
        'ơ' | 'ư' | 'đ' | 'ă' | 'Ơ' | 'Ư' | 'Đ' | 'Ă' => &[(9, 2.0)],
        '\u{1EA0}'..='\u{1EF9}' => &[(9, 2.0)],
        _ => &[],
    }
}
