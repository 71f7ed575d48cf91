#!/usr/bin/env python3
"""Writes tests/data/langdetect/short_mixed.tsv: short and code-mixed support messages (written
for Meridian, no outside source) with the priors a desk would know about each.

    python3 benches/langdetect/short_mixed.py > tests/data/langdetect/short_mixed.tsv

Columns: code, tenant, locale, earlier, text (an empty column is an unknown prior).
Priors follow a fixed scheme by an item's index i within its language (see README.md beside the
data): tenant profile: regional (americas/emea/apac) except every fourth item (i % 4 == 3)
"all"; locale: i % 4 == 0 the right one, i % 4 == 1 "en-US" (an English browser), otherwise
none; earlier ticket language: i % 3 == 0 the right one, otherwise none.
"""

ITEMS = {
    "en": [
        "can't log in", "still not working", "where is my refund?", "app keeps crashing",
        "thanks, that fixed it", "password reset not arriving", "need help asap", "order hasn't arrived",
        "I get 'ERR_CONNECTION_REFUSED' when I open https://app.example.com/login",
        "After the update the app shows NullPointerException at com.example.MainActivity.onCreate",
        "The export fails with error 500 and the log says `timeout after 30000ms`",
        "Hi, the webhook returns 401 Unauthorized even though the API key is correct",
        "My invoice PDF is blank in Chrome 120 on Windows 11",
        "Sync stopped working yesterday, the status page says all systems operational",
        "We were charged twice for order #48213, please refund one",
        "Two-factor codes from the authenticator app are always rejected as 'invalid code'",
    ],
    "es": [
        "no puedo entrar", "sigue sin funcionar", "¿dónde está mi pedido?", "la app se cierra sola",
        "gracias, ya funciona", "no me llega el correo", "necesito ayuda urgente", "me cobraron dos veces",
        "Cuando intento iniciar sesión me sale el error 'Invalid credentials' aunque la contraseña es correcta",
        "Desde la última update la app se queda en blanco en Android 14",
        "El webhook devuelve 403 Forbidden y no sé qué cambiar en la configuración",
        "No puedo descargar la factura, Chrome dice 'Failed - Network error'",
        "Hola, el código de verificación por SMS nunca llega a mi móvil",
        "La sincronización con Google Calendar dejó de funcionar ayer por la tarde",
        "Al subir el archivo CSV aparece 'Unexpected token at line 3'",
        "¿Podéis revisar mi cuenta? El dashboard muestra 0 usuarios desde el lunes",
    ],
    "pt": [
        "não consigo entrar", "continua sem funcionar", "cadê meu pedido?", "o app fecha sozinho",
        "obrigado, resolveu", "não recebi o e-mail", "preciso de ajuda urgente", "fui cobrado duas vezes",
        "Quando tento fazer login aparece o erro 'Session expired' mesmo depois de limpar o cache",
        "Depois da atualização o aplicativo trava na tela de splash no iPhone",
        "O webhook está retornando 500 Internal Server Error desde ontem à noite",
        "Não consigo baixar a nota fiscal, o navegador mostra 'Download failed'",
        "Olá, o código de verificação por SMS não chega no meu celular",
        "A sincronização com o Google Drive parou de funcionar, podem verificar?",
        "Ao importar o ficheiro CSV recebo a mensagem 'Invalid date format'",
        "Boa tarde, o meu cartão foi recusado mas o valor foi debitado na conta",
    ],
    "fr": [
        "ça ne marche pas", "je n'arrive pas à me connecter", "toujours en panne", "où est ma commande ?",
        "merci, c'est réglé", "mot de passe oublié", "l'appli plante", "remboursement svp",
        "Quand je me connecte j'ai le message 'Invalid token' depuis ce matin",
        "Depuis la mise à jour, l'application affiche un écran blanc sur Android",
        "Le webhook renvoie une erreur 502 Bad Gateway à chaque envoi",
        "Impossible de télécharger la facture, Chrome indique 'Network error'",
        "Bonjour, je ne reçois pas le code de vérification par SMS",
        "La synchro avec Outlook ne fonctionne plus depuis lundi",
        "En important le fichier CSV j'obtiens 'Unexpected end of file'",
        "Pouvez-vous vérifier mon compte ? Le dashboard affiche zéro utilisateur",
    ],
    "de": [
        "kann mich nicht einloggen", "geht immer noch nicht", "wo bleibt meine Bestellung?",
        "App stürzt ständig ab", "danke, jetzt klappt es", "Passwort vergessen", "Rechnung fehlt",
        "bitte um Rückruf",
        "Beim Login kommt die Fehlermeldung 'Invalid session', obwohl ich den Cache gelöscht habe",
        "Seit dem Update zeigt die App auf meinem iPhone nur einen weißen Bildschirm",
        "Der Webhook liefert seit gestern 504 Gateway Timeout zurück",
        "Ich kann die Rechnung nicht herunterladen, Chrome meldet 'Network error'",
        "Hallo, der Bestätigungscode per SMS kommt nicht an",
        "Die Synchronisation mit Google Calendar funktioniert seit Montag nicht mehr",
        "Beim Import der CSV-Datei erscheint 'Unexpected token at line 1'",
        "Könnt ihr bitte mein Konto prüfen? Im Dashboard stehen null Nutzer",
    ],
    "it": [
        "non riesco ad accedere", "non funziona ancora", "dov'è il mio ordine?", "l'app si chiude da sola",
        "grazie, ora funziona", "password dimenticata", "mi avete addebitato due volte", "aiuto per favore",
        "Quando provo ad accedere compare l'errore 'Invalid credentials' anche con la password giusta",
        "Dopo l'aggiornamento l'app resta bloccata sulla schermata di caricamento",
        "Il webhook restituisce 401 Unauthorized da ieri sera",
        "Non riesco a scaricare la fattura, Chrome dice 'Download failed'",
        "Buongiorno, il codice di verifica via SMS non arriva",
        "La sincronizzazione con Outlook non funziona più da lunedì",
        "Importando il file CSV ottengo 'Unexpected token at line 2'",
        "Potete controllare il mio account? La dashboard mostra zero utenti",
    ],
    "nl": [
        "ik kan niet inloggen", "werkt nog steeds niet", "waar blijft mijn bestelling?", "de app crasht steeds",
        "bedankt, het werkt weer", "wachtwoord vergeten", "dubbel betaald", "graag snel hulp",
        "Bij het inloggen krijg ik de melding 'Invalid token', ook na het wissen van de cache",
        "Sinds de update blijft de app hangen op het laadscherm",
        "De webhook geeft sinds gisteren een 500 Internal Server Error terug",
        "Ik kan de factuur niet downloaden, Chrome zegt 'Network error'",
        "Hallo, de verificatiecode per sms komt niet aan",
        "De synchronisatie met Google Agenda werkt sinds maandag niet meer",
        "Bij het importeren van het CSV-bestand verschijnt 'Unexpected end of input'",
        "Kunnen jullie mijn account nakijken? Het dashboard toont nul gebruikers",
    ],
    "ru": [
        "не могу войти", "всё ещё не работает", "где мой заказ?", "приложение вылетает",
        "спасибо, заработало", "забыл пароль", "списали деньги дважды", "помогите пожалуйста",
        "При входе выдаёт ошибку 'Invalid token', хотя я уже очистил кэш",
        "После обновления приложение показывает белый экран на Android",
        "Webhook с вчерашнего дня возвращает 500 Internal Server Error",
        "Не получается скачать счёт, Chrome пишет 'Network error'",
        "Здравствуйте, код подтверждения по SMS не приходит",
        "Синхронизация с Google Calendar перестала работать в понедельник",
        "При импорте CSV-файла появляется 'Unexpected token at line 4'",
        "Проверьте, пожалуйста, мой аккаунт: в dashboard ноль пользователей",
    ],
    "uk": [
        "не можу увійти", "досі не працює", "де моє замовлення?", "застосунок вилітає",
        "дякую, запрацювало", "забув пароль", "гроші списали двічі", "допоможіть, будь ласка",
        "Під час входу з'являється помилка 'Invalid token', хоча я вже очистив кеш",
        "Після оновлення застосунок показує білий екран на Android",
        "Webhook з учорашнього дня повертає 500 Internal Server Error",
        "Не вдається завантажити рахунок, Chrome пише 'Network error'",
        "Добрий день, код підтвердження в SMS не приходить",
        "Синхронізація з Google Calendar перестала працювати в понеділок",
        "Під час імпорту CSV-файлу з'являється 'Unexpected token at line 4'",
        "Перевірте, будь ласка, мій акаунт: у dashboard нуль користувачів",
    ],
    "pl": [
        "nie mogę się zalogować", "dalej nie działa", "gdzie jest moje zamówienie?", "aplikacja się zawiesza",
        "dzięki, już działa", "zapomniałem hasła", "pobrano opłatę dwa razy", "proszę o pomoc",
        "Nie mogę się zalogować, pokazuje się błąd 'Invalid token'",
        "Po aktualizacji aplikacja pokazuje biały ekran na Androidzie",
        "Webhook od wczoraj zwraca 500 Internal Server Error",
        "Nie mogę pobrać faktury, Chrome wyświetla 'Network error'",
        "Dzień dobry, kod weryfikacyjny SMS nie przychodzi",
        "Synchronizacja z Google Calendar przestała działać w poniedziałek",
        "Przy imporcie pliku CSV pojawia się 'Unexpected token at line 4'",
        "Czy możecie sprawdzić moje konto? Dashboard pokazuje zero użytkowników",
    ],
    "tr": [
        "giriş yapamıyorum", "hâlâ çalışmıyor", "siparişim nerede?", "uygulama sürekli kapanıyor",
        "teşekkürler, düzeldi", "şifremi unuttum", "iki kez ücret alındı", "yardım lütfen",
        "Giriş yaparken 'Invalid token' hatası alıyorum, önbelleği de temizledim",
        "Güncellemeden sonra uygulama Android'de beyaz ekranda kalıyor",
        "Webhook dünden beri 500 Internal Server Error döndürüyor",
        "Faturayı indiremiyorum, Chrome 'Network error' diyor",
        "Merhaba, SMS ile doğrulama kodu gelmiyor",
        "Google Calendar senkronizasyonu pazartesiden beri çalışmıyor",
        "CSV dosyasını içe aktarırken 'Unexpected token at line 4' çıkıyor",
        "Hesabımı kontrol edebilir misiniz? Dashboard sıfır kullanıcı gösteriyor",
    ],
    "ar": [
        "لا أستطيع تسجيل الدخول", "ما زال لا يعمل", "أين طلبي؟", "التطبيق يتوقف فجأة",
        "شكراً، تم الحل", "نسيت كلمة المرور", "تم خصم المبلغ مرتين", "أحتاج مساعدة",
        "عند تسجيل الدخول تظهر رسالة 'Invalid token' رغم أنني مسحت الـ cache",
        "بعد التحديث يظهر التطبيق شاشة بيضاء على Android",
        "الـ webhook يعيد الخطأ 500 Internal Server Error منذ أمس",
        "لا أستطيع تنزيل الفاتورة، Chrome يقول 'Network error'",
        "مرحباً، رمز التحقق عبر SMS لا يصلني",
        "توقفت المزامنة مع Google Calendar يوم الاثنين",
        "عند استيراد ملف CSV تظهر 'Unexpected token at line 4'",
        "هل يمكنكم فحص حسابي؟ الـ dashboard يعرض صفر مستخدمين",
    ],
    "hi": [
        "लॉगिन नहीं हो रहा", "अभी भी काम नहीं कर रहा", "मेरा ऑर्डर कहाँ है?", "ऐप बार-बार बंद हो जाता है",
        "धन्यवाद, ठीक हो गया", "पासवर्ड भूल गया", "पैसे दो बार कट गए", "मदद चाहिए",
        "लॉगिन करते समय 'Invalid token' एरर आ रहा है, मैंने cache भी साफ़ किया",
        "अपडेट के बाद Android पर ऐप सफ़ेद स्क्रीन दिखाता है",
        "कल से webhook 500 Internal Server Error लौटा रहा है",
        "मैं बिल डाउनलोड नहीं कर पा रहा, Chrome 'Network error' दिखाता है",
        "नमस्ते, SMS से वेरिफिकेशन कोड नहीं आ रहा",
        "Google Calendar के साथ सिंक सोमवार से बंद है",
        "CSV फ़ाइल इम्पोर्ट करते समय 'Unexpected token at line 4' आता है",
        "कृपया मेरा अकाउंट चेक करें, dashboard में शून्य यूज़र दिख रहे हैं",
    ],
    "zh": [
        "登录不了", "还是不行", "我的订单在哪里？", "应用老是闪退", "谢谢，已经好了", "忘记密码",
        "被扣了两次钱", "请尽快处理",
        "登录时提示 'Invalid token'，我已经清除了缓存",
        "更新之后 App 在 Android 上一直白屏",
        "webhook 从昨天开始返回 500 Internal Server Error",
        "发票下载不了，Chrome 显示 'Network error'",
        "你好，短信验证码一直收不到",
        "和 Google Calendar 的同步从周一开始就不工作了",
        "导入 CSV 文件时出现 'Unexpected token at line 4'",
        "能帮我查一下账号吗？dashboard 显示 0 个用户",
    ],
    "ja": [
        "ログインできません", "まだ直りません", "注文した商品はどこですか？", "アプリが落ちます",
        "ありがとうございます、直りました", "パスワードを忘れました", "二重に請求されました",
        "至急対応お願いします",
        "ログインすると 'Invalid token' と表示されます。キャッシュは削除しました",
        "アップデート後、Android でアプリが真っ白になります",
        "昨日から webhook が 500 Internal Server Error を返します",
        "請求書をダウンロードできません。Chrome に 'Network error' と出ます",
        "こんにちは、SMS の認証コードが届きません",
        "月曜日から Google Calendar との同期が止まっています",
        "CSV ファイルをインポートすると 'Unexpected token at line 4' になります",
        "アカウントを確認してもらえますか？dashboard のユーザー数が 0 です",
    ],
    "ko": [
        "로그인이 안 돼요", "아직도 안 돼요", "주문한 거 어디 있나요?", "앱이 계속 꺼져요",
        "감사합니다, 해결됐어요", "비밀번호를 잊어버렸어요", "두 번 결제됐어요", "도와주세요",
        "로그인할 때 'Invalid token' 오류가 나요. 캐시도 지웠어요",
        "업데이트 후에 Android에서 앱이 흰 화면만 나와요",
        "어제부터 webhook이 500 Internal Server Error를 반환합니다",
        "청구서를 다운로드할 수 없어요. Chrome에 'Network error'라고 떠요",
        "안녕하세요, SMS 인증 코드가 안 와요",
        "월요일부터 Google Calendar 동기화가 안 됩니다",
        "CSV 파일을 가져오면 'Unexpected token at line 4'가 나옵니다",
        "계정 좀 확인해 주시겠어요? dashboard에 사용자가 0명으로 나와요",
    ],
    "vi": [
        "không đăng nhập được", "vẫn chưa được", "đơn hàng của tôi đâu?", "ứng dụng cứ bị thoát",
        "cảm ơn, đã ổn rồi", "quên mật khẩu", "bị trừ tiền hai lần", "giúp tôi với",
        "Khi đăng nhập thì báo lỗi 'Invalid token', tôi đã xóa cache rồi",
        "Sau khi cập nhật, ứng dụng trên Android chỉ hiện màn hình trắng",
        "Từ hôm qua webhook trả về 500 Internal Server Error",
        "Tôi không tải được hóa đơn, Chrome báo 'Network error'",
        "Chào bạn, mã xác thực qua SMS không về",
        "Đồng bộ với Google Calendar bị ngừng từ thứ Hai",
        "Khi nhập file CSV thì hiện 'Unexpected token at line 4'",
        "Bạn kiểm tra giúp tài khoản của tôi được không? Dashboard hiện 0 người dùng",
    ],
    "th": [
        "เข้าสู่ระบบไม่ได้", "ยังใช้ไม่ได้เลย", "คำสั่งซื้อของฉันอยู่ไหน", "แอปเด้งออกตลอด",
        "ขอบคุณค่ะ ใช้ได้แล้ว", "ลืมรหัสผ่าน", "โดนตัดเงินสองครั้ง", "ช่วยด้วยครับ",
        "ตอนล็อกอินขึ้นว่า 'Invalid token' ทั้งที่ล้าง cache แล้ว",
        "หลังอัปเดต แอปบน Android ขึ้นจอขาว",
        "ตั้งแต่เมื่อวาน webhook ตอบกลับ 500 Internal Server Error",
        "ดาวน์โหลดใบแจ้งหนี้ไม่ได้ Chrome ขึ้นว่า 'Network error'",
        "สวัสดีครับ ไม่ได้รับรหัสยืนยันทาง SMS",
        "การซิงค์กับ Google Calendar หยุดทำงานตั้งแต่วันจันทร์",
        "ตอนนำเข้าไฟล์ CSV ขึ้น 'Unexpected token at line 4'",
        "ช่วยตรวจสอบบัญชีให้หน่อยได้ไหมคะ dashboard แสดงผู้ใช้ 0 คน",
    ],
    "id": [
        "tidak bisa login", "masih belum bisa", "pesanan saya di mana?", "aplikasinya sering keluar sendiri",
        "terima kasih, sudah beres", "lupa kata sandi", "saldo terpotong dua kali", "tolong dibantu",
        "Waktu login muncul error 'Invalid token', padahal cache sudah saya hapus",
        "Setelah update, aplikasinya cuma menampilkan layar putih di Android",
        "Sejak kemarin webhook mengembalikan 500 Internal Server Error",
        "Saya tidak bisa mengunduh faktur, Chrome bilang 'Network error'",
        "Halo, kode verifikasi lewat SMS tidak masuk",
        "Sinkronisasi dengan Google Calendar berhenti sejak hari Senin",
        "Saat impor file CSV muncul 'Unexpected token at line 4'",
        "Bisa tolong cek akun saya? Dashboard menunjukkan 0 pengguna",
    ],
    "sv": [
        "kan inte logga in", "funkar fortfarande inte", "var är min beställning?", "appen kraschar hela tiden",
        "tack, nu fungerar det", "glömt lösenordet", "dubbeldebiterad", "behöver hjälp snabbt",
        "När jag loggar in får jag felet 'Invalid token', fast jag har rensat cachen",
        "Efter uppdateringen visar appen bara en vit skärm på Android",
        "Webhooken returnerar 500 Internal Server Error sedan i går",
        "Jag kan inte ladda ner fakturan, Chrome säger 'Network error'",
        "Hej, verifieringskoden via sms kommer inte fram",
        "Synkroniseringen med Google Kalender slutade fungera i måndags",
        "När jag importerar CSV-filen visas 'Unexpected token at line 4'",
        "Kan ni kolla mitt konto? Dashboarden visar noll användare",
    ],
}

REGION = {
    "americas": ["en", "es", "pt", "fr"],
    "emea": ["en", "de", "fr", "it", "nl", "pl", "sv", "tr", "ru", "uk", "ar"],
    "apac": ["en", "zh", "ja", "ko", "vi", "th", "id", "hi"],
}
LOCALE = {"en": "en-US", "pt": "pt-BR", "zh": "zh-CN", "es": "es-ES", "sv": "sv-SE"}


def region(code, i):
    if code == "en":
        return ["americas", "emea", "apac"][i % 3]
    return next(r for r, langs in REGION.items() if code in langs)


print("code\ttenant\tlocale\tearlier\ttext")
for code, items in ITEMS.items():
    assert len(items) >= 15, code
    for i, text in enumerate(items):
        tenant = "all" if i % 4 == 3 else region(code, i)
        locale = LOCALE.get(code, code) if i % 4 == 0 else ("en-US" if i % 4 == 1 else "")
        earlier = code if i % 3 == 0 else ""
        assert "\t" not in text
        print(f"{code}\t{tenant}\t{locale}\t{earlier}\t{text}")
