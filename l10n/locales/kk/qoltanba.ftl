# qoltanba сөздері қазақ тілінде. Идентификаторлардың атауы және хабарлама
# қосу тәртібі: docs/localization.md. Әр идентификатор ru және en
# каталогтарында да бар, айнымалылары бірдей.

-eds = ЭЦҚ
-nca = ҰКО ҚР

## Қателер: кілттер файлдары (qoltanba-pki)

error-key-file-not-pkcs12 = бұл PKCS#12 кілттер файлы емес (бос, қиылған немесе басқа пішімде); { -nca } берген .p12 файлын таңдаңыз
error-key-file-wrong-password = кілттер файлының құпиясөзі қате немесе файл өзгертілген; құпиясөзді тексеріп (бас әріптер мен пернетақта тілі маңызды), қайталап көріңіз
error-key-file-no-mac = кілттер файлында тұтастықты тексеру (MAC) жоқ, сондықтан оған сенуге болмайды; оны MAC-пен қайта экспорттаңыз
error-key-file-malformed = кілттер файлы бүлінген; сақтық көшірмесін алыңыз немесе кілтті кері қайтарып, жаңасын шығарыңыз
error-key-file-no-private-key = файлда жабық кілт жоқ; тіркеу куәлігін емес, кілтіңіз бар файлды таңдаңыз
error-key-file-no-certificate = кілттер файлында әлі тіркеу куәлігі жоқ (жаңа кілт куәлігін күтіп тұр); алдымен берілген куәлікті орнатыңыз
error-key-file-unsupported-algorithm = кілттер файлы қолдау көрсетілмейтін алгоритмді пайдаланады ({ $algorithm }); оны { -nca } алгоритмдерімен немесе OpenSSL-дің әдепкі алгоритмімен (AES-256) қайта экспорттаңыз
error-key-file-already-exists = { $path } бұрыннан бар; кілттер файлы ешқашан қайта жазылмайды, басқа қалта таңдаңыз
error-key-file-io = { $path } қолжетімсіз ({ $reason }); жолды және қалтаның рұқсаттарын тексеріңіз
error-output-closed = шығыс бәрі жазылмай тұрып жабылды
error-output-disk-full = шығысты жазу мүмкін емес: диск толы; орын босатыңыз немесе басқа жерге жазыңыз
error-output-failed = шығысты жазу мүмкін емес ({ $reason })
error-disk-full = { $path } жазу мүмкін емес: диск толы; орын босатыңыз немесе басқа қалта таңдаңыз
error-random-failed = жүйенің кездейсоқ сандар генераторы істен шықты; қайталап көріңіз

## Қателер: жаңа кілттер файлдарының құпиясөз ережесі

error-password-too-short = жаңа құпиясөз { $min } таңбадан қысқа; ұзынырақ құпиясөз таңдаңыз
error-password-too-long = жаңа құпиясөз { $max } таңбадан ұзын; қысқарақ құпиясөз таңдаңыз
error-password-no-uppercase = жаңа құпиясөзде латынның бас әрпі (A-Z) жоқ; біреуін қосыңыз
error-password-no-lowercase = жаңа құпиясөзде латынның кіші әрпі (a-z) жоқ; біреуін қосыңыз
error-password-no-digit = жаңа құпиясөзде цифр (0-9) жоқ; біреуін қосыңыз
error-password-cyrillic = жаңа құпиясөзде кирилл әріптері бар; пернетақтаны ағылшын (латын) тіліне ауыстырып, қайта теріңіз
error-password-non-ascii = жаңа құпиясөзде латын әріптері, цифрлар және ASCII таңбаларынан басқа таңба бар; тек соларды пайдаланыңыз
error-password-whitespace = жаңа құпиясөзде бос орын немесе басқару таңбасы бар; тек әріптер, цифрлар және таңбаларды пайдаланыңыз

## Қателер: сериялық нөмірлер

error-serial-empty = ол бос
error-serial-too-long = ол { $max } он алтылық цифрдан ұзын
error-serial-not-hex = онда 0-9 және A-F-тен басқа таңба бар

## Қателер: жеке куәлік (qoltanba-card)

error-card-lost = картамен байланыс үзілді (ол телефонның өрісінен немесе оқу құрылғысынан шығып кетті); картаны қозғалтпай ұстап, қайталап көріңіз
error-card-timeout = карта уақытында жауап бермеді; картаны қозғалтпай ұстап, қайталап көріңіз
error-card-reader = карта оқу құрылғысы істен шықты: { $reason }
error-card-wrong-can = CAN қате; картаның алдыңғы бетіндегі 6 цифрды тексеріңіз
error-card-wrong-pin = { $tries ->
    [one] PIN-код қате; 1 әрекет қалды (келесі қате PIN-код картаны бұғаттайды)
   *[other] PIN-код қате; { $tries } әрекет қалды
}
error-card-pin-blocked = PIN-код бұғатталған; оны PUK-кодпен бұғаттан шығарыңыз
error-card-pin-blocked-no-puk = PIN-код бұғатталған, ал бұл картаның PUK-коды белгісіз; ХҚКО-ға барыңыз
error-card-wrong-puk = { $tries ->
    [one] PUK-код қате; 1 әрекет қалды (келесі қате PUK-код оны біржола бұғаттайды)
   *[other] PUK-код қате; { $tries } әрекет қалды
}
error-card-puk-blocked = PUK-код бұғатталған; картаның кілттерін енді пайдалану мүмкін емес; ХҚКО-ға барыңыз
error-card-pin-needed = карта алдымен PIN-кодты сұрайды; PIN-кодты енгізіңіз
error-card-can-needed = картаға қосылу үшін оның CAN-ы (картада басылған 6 цифр) қажет
error-card-unknown = qoltanba бұл картаны танымайды (белгілі бірде-бір профиль жауап бермеді); ҚР жеке куәлігін пайдаланыңыз
error-card-secret-not-digits = { $kind } тек цифрлардан тұруы керек
error-card-secret-length = { $min ->
    [0] { $kind } { $max } цифрдан тұруы керек; оны тексеріп, қайта енгізіңіз
   *[other] { $kind } { $min }–{ $max } цифрдан тұруы керек; оны тексеріп, қайта енгізіңіз
}
error-card-new-pin-length = { $min ->
    [0] жаңа PIN-код { $max } цифрдан тұруы керек
   *[other] жаңа PIN-код { $min }–{ $max } цифрдан тұруы керек
}
error-card-no-pace = карта PACE ұсынбайды (EF.CardAccess ішінде PACEInfo жоқ)
error-card-pace-unsupported = карта qoltanba қолдайтын PACE нұсқаларының бірде-бірін ұсынбайды
error-card-chip-authentication = карта CAN-ды білетінін дәлелдей алмады: бұл CAN тиесілі карта емес немесе біреу кедергі жасады; сеанс аяқталды, қайталап көріңіз
error-card-invalid-point = карта жарамсыз ашық кілт жіберді; сеанс аяқталды, қайталап көріңіз
error-card-pace-malformed = картаның PACE жауабы бұрмаланған ({ $detail }); қайталап көріңіз, қайталанса бізге хабарлаңыз
error-card-pace-refused = карта PACE-тен { $sw } күй сөзімен бас тартты
error-card-malformed-answer = картаның жауабы бұрмаланған: { $detail }
error-card-secure-messaging = картамен қорғалған алмасу сәтсіз болды ({ $detail }); сеанс аяқталды, картаны қайта жақындатыңыз
error-card-unprotected = карта қорғалған сеанста ашық мәтінмен жауап берді; сеанс аяқталды, картаны қайта жақындатыңыз
error-card-session-ended = картамен қорғалған сеанс аяқталды; картаны қайта жақындатыңыз
error-card-endless-response = карта GET RESPONSE-ты тоқтаусыз сұрай береді; ол дұрыс жұмыс істемейді
error-card-overlong-response = картаның жауабы сұралған { $limit } байттан ұзын
error-card-key-malformed-public = картаның ашық кілті бұрмаланған: { $detail }
error-card-key-malformed-signature = картаның қолтаңбасы бұрмаланған: { $detail }
error-card-slot-empty = { $slot } кілт ұяшығы бос
error-card-no-such-slot = бұл картада { $slot } кілт ұяшығы жоқ
error-card-slot-in-use = { $slot } ұяшығында қолданыстағы кілт бар, оны қайта жазуға болмайды
error-card-unsupported = карта { $what } қолдамайды
error-card-not-confirmed = { $slot } ұяшығында кілт жасау расталмады; ештеңе өзгертілген жоқ
error-card-certificate-refused = карта { $slot } ұяшығына арналған тіркеу куәлігін қабылдамады: ол жоқ, толық емес немесе сол ұяшықтың кілтіне арналмаған; оны қайта жазыңыз
error-card-certificate-too-large = тіркеу куәлігінің көлемі { $size } байт; картаның файлына ең көбі { $limit } сыяды
error-card-certificate-file = { $slot } кілт ұяшығының тіркеу куәлігі файлы бүлінген ({ $detail }); картамен ХҚКО-ға барыңыз
error-card-unexpected = карта { $operation } командасына qoltanba күтпеген { $sw } күй сөзімен жауап берді; қайталап көріңіз, қайталанса бізге хабарлаңыз
error-card-malformed = картаның { $operation } командасына жауабы бұрмаланған: { $detail }

## Қателер: куәландырушы орталық (qoltanba-core клиенті)

error-ra-unreachable = куәландырушы орталыққа қосылу мүмкін емес ({ $reason }); байланысты тексеріп, қайталап көріңіз
error-ra-timeout = куәландырушы орталық уақытында жауап бермеді; қайталап көріңіз
error-ra-dropped = куәландырушы орталықпен байланыс үзілді; қайталап көріңіз
error-ra-refused = { $problem ->
    [wrong-code] бір реттік код қате; SMS-тегі кодты тексеріп, қайта енгізіңіз
    [code-expired] бір реттік кодтың мерзімі өтті; жаңа код алу үшін өтінішті қайта жіберіңіз
    [application-locked] қате кодтар тым көп; өтініш бұғатталды, жаңасын жіберіңіз
    [code-not-sent] коды бар SMS жіберілмеді; қайталап көріңіз
    [no-phone] куәландырушы орталықта телефон нөміріңіз жоқ; оны ХҚКО-да жаңартыңыз
    [certificate-revoked] тіркеу куәлігі кері қайтарылған; оны жаңартуға болмайды, жаңасын алыңыз
    [certificate-untrusted] тіркеу куәлігі қазір жарамсыз (мерзімі өткен немесе сенімсіз); жаңасын ХҚКО-дан алыңыз
    [rate-limited] әрекеттер тым көп; бірнеше минут күтіп, қайталап көріңіз
    [unauthenticated] сеанстың мерзімі өтті; қайта кіріңіз
   *[other] куәландырушы орталық сұраудан бас тартты ({ $problem }): { $detail }
}
error-ra-server = куәландырушы орталық қазір жұмыс істемейді (HTTP { $status }); кейінірек қайталап көріңіз
error-ra-protocol = куәландырушы орталық күтпеген жауап берді: { $detail }
error-ra-bad-trust-anchor = куәландырушы орталықтың түбірлік сертификаты DER пішіміндегі сертификат емес; орталық жариялайтын түбірлік сертификатты пайдаланыңыз

## Қателер: құрылғының дерекқоры

error-store-open = { $path } жергілікті дерекқорын ашу мүмкін емес: { $detail }
error-store-too-new = жергілікті дерекқорды qoltanba-ның жаңарақ нұсқасы жазған (схема { $found }, бұл нұсқа { $known } дейін біледі); қосымшаны жаңартыңыз
error-store-renewal-in-progress = бұл кілтті жаңарту жүріп жатыр (жаңарту { $renewal }); оны жалғастырыңыз немесе алдымен тоқтатыңыз
error-store-no-such-renewal = { $renewal } жаңартуы жоқ
error-store-sql = жергілікті дерекқор қатесі: { $detail }

## Қателер: жаңарту

error-renewal-key-file = { $path } кілттер файлын пайдалану мүмкін емес: { $reason }
error-renewal-no-certificate = { $path } кілттер файлында тіркеу куәлігі жоқ; { -nca } берген кілттер файлдарын пайдаланыңыз
error-renewal-which-keys = қазіргі кілттер файлдарын көрсетіңіз: бір GOST512_ файлы немесе AUTH_ және SIGN файлдары
error-renewal-key = { $detail }
error-renewal-no-password = құпиясөз қажет, бірақ ол берілмеді
error-renewal-pin-not-verified = жеке куәліктің PIN-коды бұл сеанста тексерілмеген; оны тексеріп, содан кейін жаңартуды бастаңыз
error-renewal-card-lost = жеке куәлік: { $reason }; жаңартуды жалғастырыңыз
error-renewal-user-not-authenticated = телефонның құлпын ашыңыз (саусақ ізі, бет немесе құпия код), содан кейін жаңартуды жалғастырыңыз
error-renewal-application = өтінішті құру мүмкін емес: { $detail }
error-renewal-bad-issue = берілген тіркеу куәлігі тексеруден өтпеді: { $detail }; ештеңе орнатылмады
error-renewal-failed = жаңарту жаңа тіркеу куәліктерінсіз аяқталды: { $reason }; жаңасын бастаңыз
error-renewal-corrupt = сақталған жаңартуды оқу мүмкін емес ({ $detail }); жаңасын бастаңыз
error-renewal-cancelled = жаңарту «{ $step }» қадамынан кейін тоқтатылды; оны кейін жалғастырыңыз

## Қателер: сілтемелер

error-link-too-long = сілтеме { $max } таңбадан ұзын
error-link-not-qoltanba = бұл qoltanba сілтемесі емес (qoltanba://… немесе https://…/renew/… күтіледі)
error-link-unknown-action = сілтеме «{ $action }» сұрайды, бұл қосымша оны білмейді (renew күтіледі)
error-link-bad-query = сілтемеде дәл serial=HEX болуы керек, басқа ештеңе болмауы керек
error-link-bad-serial = сілтемедегі сериялық нөмір жарамсыз: { $reason }

## Қосымшалар көретін қате түрлері (qoltanba-ffi-дегі QoltanbaError кодтары),
## жалпы сөздермен; толығырақ мәтін бұл жолы не болғанын айтады.

error-kind-wrong-password = Құпиясөз қате
error-kind-wrong-pin = PIN-код қате
error-kind-pin-blocked = PIN-код бұғатталған
error-kind-wrong-can = CAN қате
error-kind-card-lost = Картамен байланыс үзілді; оны телефонға қайта жақындатыңыз
error-kind-wrong-code = Бір реттік код қате
error-kind-ra-unreachable = Куәландырушы орталыққа қосылу мүмкін емес
error-kind-ra-refused = Куәландырушы орталық сұраудан бас тартты
error-kind-invalid-input = Енгізгеніңізді тексеріңіз
error-kind-key-file = Кілттер файлын пайдалану мүмкін емес
error-kind-card = Жеке куәлік істен шықты
error-kind-renewal-failed = Жаңартуды жалғастыру мүмкін емес
error-kind-user-not-authenticated = Алдымен телефонның құлпын ашыңыз
error-kind-keystore = Телефонның кілттер қоймасы істен шықты
error-kind-cancelled = Жаңарту тоқтатылды
error-kind-storage = Қосымшаның жергілікті дерекқоры істен шықты
error-kind-internal = qoltanba ішкі қатесі
error-internal = qoltanba ішкі қатесі ({ $what }); бұл туралы хабарлаңыз

## Жаңарту қадамдары, азамат көретіндей

step-started = басталды
step-keys-generated = жаңа кілттер жасалды
step-signed = өтінішке қол қойылды
step-awaiting-code = бір реттік код күтілуде
step-awaiting-issuance = код қабылданды; беру күтілуде
step-issued = тіркеу куәліктері берілді
step-installed = тіркеу куәліктері орнатылды
step-done = дайын
step-failed = сәтсіз аяқталды

## Жаңарту барысы, ядро хабарлағандай

status-logging-in = AUTH кілтімен кіру
status-reading-certificates = тіркеу куәліктеріңізді куәландырушы орталықтан оқу
status-generating-key = жаңа { $purpose } кілтін жасау ({ $algorithm })
status-signing = өтінішке қазіргі SIGN кілтімен қол қою
status-submitting = өтінішті жіберу
status-accepted = { $number } өтініші қабылданды
status-code-accepted = код қабылданды
status-code-expired = кодтың мерзімі өтті; өтініш қайта жіберіледі
status-code-sent = бір реттік код { $phone } нөміріне жіберілді
status-code-pending = { $phone } нөміріне бір реттік код әлі жіберілмеді; куәландырушы орталық қайта жіберіп көреді
status-code-failed = бір реттік кодты { $phone } нөміріне жіберу мүмкін болмады; жаңа код сұраңыз
status-code-resending = куәландырушы орталықтан жаңа бір реттік код сұралуда
status-issued = жаңа тіркеу куәліктері берілді
status-waiting-for-issuance = беруді күту ({ $seconds } с кейін қайта сұралады)
status-installing = тіркеу куәліктерін жаңа кілттерге орнату
status-card-key-generated = кілт жеке куәлікте жасалды ({ $slot } ұяшығы)
status-card-certificate-saved = { $slot } ұяшығының тіркеу куәлігі { $path } ішінде
status-card-writing-certificate = тіркеу куәлігін жеке куәлікке жазу ({ $slot } ұяшығы)
status-keystore-key-generated = жаңа кілт құрылғының кілттер қоймасында жасалды ({ $level })
warning-card-slot-erase = Жаңа { $purpose } кілті жеке куәліктің { $slot } ұяшығында жасалсын ба? Сол ұяшықтағы кілт өшіріледі; онда жарамды тіркеу куәлігінің кілті жоқ.

## Пәрмен жолының өз сөздері (qoltanba-cli)

cli-error = қате: { $message }
cli-disk-full = { $what }: диск толы; орын босатыңыз немесе басқа қалта таңдаңыз
cli-key-expired = кілт сертификатының мерзімі { $date } аяқталды; мерзімі өткен кілтпен ештеңе қол қойылмайды (басқа сәттегі жарамдылықты тексеру үшін --at беріңіз)
cli-key-not-yet-valid = кілт сертификаты әлі жарамды емес ({ $date } бастап жарамды); компьютердің күні мен уақытын тексеріңіз немесе --at беріңіз
cli-out-not-utf8 = --out { $name } атауы жарамды UTF-8 емес; UTF-8 атауын таңдаңыз
cli-renewal-resuming = { $renewal } жаңартуы жалғасуда.
cli-renewal-started = { $home ->
    [card] { $renewal } жаңартуы басталды (кілттер жеке куәлікте).
    [keystore] { $renewal } жаңартуы басталды (жаңа кілттер кілттер қоймасында).
   *[file] { $renewal } жаңартуы басталды.
}
cli-renewal-needs-code = { $number } өтініші телефоныңызға жіберілген бір реттік кодты күтуде; орындаңыз: qoltanba renew --resume --code КОД
cli-renewal-code-pending = { $number } өтініші: бір реттік код әлі жіберілмеді (куәландырушы орталық қайта жіберіп көреді). SMS келгенде орындаңыз: qoltanba renew --resume --code КОД; SMS келмесе: qoltanba renew --resume --resend-code
cli-renewal-code-failed = { $number } өтініші: бір реттік кодты { $phone } нөміріне жіберу мүмкін болмады. Жаңа код сұраңыз: qoltanba renew --resume --resend-code
cli-renewed = Жаңартылды ({ $renewal } жаңартуы, { $application } өтініші).
cli-code-prompt = { $number } өтініші үшін бір реттік код:{" "}
cli-not-confirmed = { $question } (расталмады: терминалда іске қосыңыз немесе --yes беріңіз)
cli-demo-code-arrived = бір реттік код SMS арқылы келді (демо куәландырушы орталықтың шығыс хаттарынан оқылды)
cli-no-renewal-to-resume = аяқталмаған жаңарту жоқ; оны бастаңыз: qoltanba renew --keys …
cli-secret-missing = { $what } қажет: { $flag } ФАЙЛ беріңіз, { $env } орнатыңыз немесе енгізу үшін терминалда іске қосыңыз
cli-secret-can = картаның CAN-ы (картада басылған 6 цифр)
cli-secret-pin = картаның PIN-коды
cli-secret-new-pin = картаның жаңа PIN-коды
cli-secret-puk = картаның PUK-коды
cli-secret-password = кілт файлдарының құпиясөзі
cli-secret-new-password = жаңа кілт файлдарының құпиясөзі
cli-secret-token-pin = токеннің PIN-коды
cli-secret-repeat = Қайталаңыз:{" "}
cli-secret-differ = енгізілген мәндер сәйкес емес; қайта енгізіңіз
cli-renewal-card-where = { $renewal } жаңартуының кілттері бұл компьютер әлі пайдаланбаған жеке куәлікте; карта қайда екенін көрсетіңіз: --card-reader АТАУЫ немесе --card-simulator ФАЙЛ
cli-warning-last-pin-try = назар аударыңыз: PIN-кодты енгізудің бір мүмкіндігі қалды; қате PIN-код картаны бұғаттайды

## Тіркеу куәліктерінің мақсаты

purpose-auth = аутентификация
purpose-sign = қол қою
purpose-both = аутентификация және қол қою
purpose-other = { -eds }

## Мерзімнің аяқталуы туралы хабарламалар: құрылғыдағы еске салғыштар,
## куәландырушы орталықтың хаты, SMS және push. $end — Астана уақытымен
## аяқталу уақыты, $link сол тіркеу куәлігін жаңартуды ашады.

notice-expiring-title = { -eds } мерзімі аяқталуда: { $days } күн қалды
notice-expired-title = { -eds } мерзімі аяқталды
notice-expiring-body = Тіркеу куәлігі ({ $purpose }) { $serial } { $end } (Астана уақыты) аяқталады. Жаңарту үшін түртіңіз.
notice-expired-body = Тіркеу куәлігі ({ $purpose }) { $serial } { $end } (Астана уақыты) аяқталды. Жаңасын алыңыз.
notice-email-subject = qoltanba: { -eds } тіркеу куәлігінің мерзімі { $end } аяқталады
notice-email-greeting = Құрметті { $name }!
notice-email-greeting-anonymous = Құрметті азамат!
notice-email-body = Сіздің { -eds } тіркеу куәлігіңіздің ({ $purpose }, сериялық нөмірі { $serial }) қолданылу мерзімі { $end } (Астана уақыты) аяқталады, { $days } күн қалды. Оны qoltanba қосымшасында бірнеше қадаммен жаңартуға болады: { $link }
notice-sms = { -eds } тіркеу куәлігі { $serial } { $end } аяқталады; жаңартыңыз
notice-page-title = { -eds } тіркеу куәлігін жаңарту
notice-page-body = Бұл сілтеме телефоныңыздағы qoltanba қосымшасында { -eds } тіркеу куәлігінің { $serial } жаңартуын ашады. Қосымша өзі ашылмаса, төмендегі түймені басыңыз; ол орнатылмаған болса, алдымен qoltanba қосымшасын App Store немесе Google Play дүкенінен орнатыңыз.
notice-page-button = qoltanba қосымшасында ашу

## The review before signing, and its errors
error-renewal-declined = жаңарту өтінішті тексеру кезінде бас тартылды; ештеңе қол қойылмады
error-renewal-past-review = жаңарту өтінішті тексеруден өтіп кеткен («{ $step }» қадамы); оны жалғастырыңыз немесе тіркеу орталығының шешімін күтіңіз
error-renewal-not-awaiting-code = жаңарту бір реттік кодты күтіп тұрған жоқ («{ $step }» қадамы); жаңа код сұрамай, оны жалғастырыңыз
error-renewal-other-home = бұл жаңартудың кілттері басқа жерде: { $remembered }; оны сол кілттермен жалғастырыңыз ({ $given } емес)
warning-unprotected-storage = компьютердегі сақтау қорғалмаған; жеке куәлікті немесе телефон қоймасын таңдаған жөн
warning-email-changed = e-mail қазіргі тіркеу куәлігіндегіден өзгеше; хабарламалар жаңасына келеді
warning-ends-soon = қазіргі тіркеу куәлігінің мерзімі бір апта ішінде аяқталады; мерзімі өткен кілтті онлайн жаңарту мүмкін емес

## USB tokens
status-token-key-generated = жаңа { $purpose } кілті токенде жасалды (id { $id })
status-token-certificate-stored = { $serial } тіркеу куәлігі токенге жазылды
status-demo-review-confirmed = азамат өтінішті растайды (демонстрация «иә» деп жауап береді)

## The cabinet: keys, actions, applications
status-key-valid = { $days ->
    [one] жарамды, { $days } күн қалды
   *[other] жарамды, { $days } күн қалды
}
status-key-expiring = { $days ->
    [one] { $days } күннен кейін аяқталады: қазір жаңартыңыз
   *[other] { $days } күннен кейін аяқталады: қазір жаңартыңыз
}
status-key-renewing = { $renewal } жаңарту жүріп жатыр: { $step }
status-key-replaced = жаңарту кезінде ауыстырылды
status-key-revoked = кері қайтарылды
status-key-expired = мерзімі өтті: жаңа кілттер ХҚКО-да немесе egov.kz-те беріледі
status-key-not-yet-valid = әлі жарамсыз; телефонның күні мен уақытын тексеріңіз
action-renew = Жаңарту
action-resume-renewal = Жаңартуды жалғастыру
action-sign-document = Құжатқа қол қою
action-revoke = Кері қайтару
action-change-password = Құпиясөзді өзгерту
action-change-pin = PIN-кодты өзгерту
action-unblock-pin = PIN-кодты бұғаттан шығару

## Кабинет мәзірі: қосымшаларда әр тармаққа бір экран
menu-keys = Менің кілттерім
menu-renew = Жаңарту
menu-applications = Өтініштер
menu-revoke = Тіркеу куәлігін кері қайтару
menu-credentials = Құпиясөз және PIN-код
menu-documents = Құжаттар
menu-settings = Баптаулар

## Кері қайтару себептері, азамат таңдайтындай
reason-unspecified = Себебін көрсетпей
reason-key-compromise = Кілтті немесе оның құпиясөзін басқа біреу білуі мүмкін
reason-ca-compromise = Куәландырушы орталықтың қауіпсіздігі бұзылды
reason-affiliation-changed = Менің деректерім өзгерді
reason-superseded = Жаңа тіркеу куәлігімен ауыстырылды
reason-cessation-of-operation = Ол маған енді керек емес
reason-certificate-hold = Уақытша тоқтата тұру
reason-remove-from-crl = Тоқтатуды алып тастау
reason-privilege-withdrawn = Оны пайдалану құқығы алынды
reason-aa-compromise = Атрибуттар орталығының қауіпсіздігі бұзылды
next-step-enter-code = SMS-тегі кодты енгізіңіз
next-step-wait-for-issuance = күтіңіз: тіркеу куәліктері шығарылуда
next-step-install-certificates = шығарылған тіркеу куәліктерін орнатыңыз
next-step-nothing = ештеңе істеудің қажеті жоқ
next-step-start-again = жаңа жаңартуды бастаңыз
storage-file = осы құрылғыдағы кілт файлы
storage-platform-keystore = телефон қоймасы
storage-id-card = жеке куәлік
storage-token = USB-токен

## Signed documents and the cabinet's own errors
error-document-malformed = бұл CMS қол қойылған хабарламасы емес (DER немесе PEM); қол қойылған байттарды өзгертпей жіберіңіз
error-document-detached = қол қойылған хабарламада мазмұн жоқ; мазмұнды қоса отырып қол қойыңыз
error-document-content-missing = қолтаңба бөлек, ал қол қойылған құжат берілмеді; ол қол қойған құжатты беріңіз
error-document-content-twice = қол қойылған хабарламада құжат бар; оны бөлек құжатсыз тексеріңіз
error-document-signer-count = қол қойылған хабарламаның дәл бір қол қоюшысы болуы керек
error-document-signer-certificate-missing = қол қоюшының тіркеу куәлігі хабарламада жоқ; қол қойғанда оны қосыңыз
error-document-missing-attribute = қол қойылған хабарламада { $attribute } атрибуты жоқ; қол қойылған атрибуттармен қол қойыңыз
error-document-digest-mismatch = мазмұн messageDigest-ке сәйкес келмейді; хабарлама өзгертілген
error-document-unsupported-digest = { $algorithm } хэштеу алгоритмі қабылданбайды; SHA-256 немесе Стрибог-512 қолданыңыз
error-document-unsupported-signature = { $algorithm } қолтаңба алгоритмі мұнда қабылданбайды
error-document-bad-signature = қолтаңба тексеруден өтпейді: { $reason }
error-document-sign = кілт хабарламаға қол қоя алмайды: { $reason }
error-document-unsupported-signer = { $algorithm } кілт алгоритмі хабарламаға қол қоймайды; ГОСТ 2015, RSA немесе ECDSA P-256 кілтін қолданыңыз
error-document-key-mismatch = қол қоюшының тіркеу куәлігі бұл кілтке тиесілі емес
error-xml-not-utf8 = XML UTF-8 кодтауында емес; құжатты UTF-8 түрінде жіберіңіз
error-xml-encoding = XML-де { $encoding } кодтауы жарияланған; құжатты UTF-8 түрінде жіберіңіз
error-xml-too-large = XML { $limit } байттан үлкен; кішірек құжатқа қол қойыңыз
error-xml-too-deep = XML элементтері { $limit } деңгейден терең салынған
error-xml-dtd = XML-де DOCTYPE бар; DTD немесе нысандары бар құжаттар қабылданбайды
error-xml-malformed = XML дұрыс құрылмаған: { $reason }
error-xml-xpath-unsupported = { $xpath } XPath қолдау көрсетілмейді; /root/child сияқты абсолюттік жолды көрсетіңіз
error-xml-xpath-no-match = { $xpath } XPath ешбір элементті таңдамайды
error-xml-no-id = қол қойылатын элементтің ({ $xpath }) Id атрибуты жоқ; оны қосыңыз немесе бүкіл құжатқа қол қойыңыз
error-xml-duplicate-id = { $id } идентификаторы бірнеше элементте бар; идентификаторлар қайталанбауы керек
error-xml-unsupported-signer = { $algorithm } кілт алгоритмі XML-ге қол қоймайды; ГОСТ 2015, RSA немесе ECDSA P-256 кілтін қолданыңыз
error-xml-key-mismatch = қол қоюшының тіркеу куәлігі бұл кілтке тиесілі емес
error-xml-sign = кілт XML-ге қол қоя алмайды: { $reason }
error-xml-no-signature = XML-де ds:Signature жоқ
error-xml-signature-structure = ds:Signature дұрыс құрылмаған: { $reason }
error-xml-unsupported-algorithm = { $algorithm } алгоритміне XML қолтаңбаларында қолдау көрсетілмейді
error-xml-unsupported-transform = { $transform } түрлендіруіне қолдау көрсетілмейді; тек enveloped-signature және C14N рұқсат
error-xml-unsupported-reference = { $reference } сілтемесіне қолдау көрсетілмейді; тек сол құжаттағы URI="" және URI="#id" рұқсат
error-xml-reference-not-found = { $reference } сілтемесі құжаттың ешбір элементін көрсетпейді
error-xml-reference-outside = { $reference } сілтемесі қолтаңба тұрған элементтен тыс жерді көрсетеді; құжат орны ауыстырылған болуы мүмкін
error-xml-digest-mismatch = қол қойылған мазмұн өз хэшіне сәйкес келмейді; құжат өзгертілген
error-xml-bad-signature = қолтаңба тексеруден өтпейді: { $reason }
error-xml-certificate = қолтаңбадағы қол қоюшының тіркеу куәлігі оқылмайды: { $reason }
error-document-digest-length = берілген хэш { $got } байт, ал бұл кілттің { $algorithm } хэші { $expected } байт; құжаттың хэшін { $algorithm } алгоритмімен есептеңіз
error-document-digest-attached = дайын хэшке қойылған қолтаңба құжатты қамти алмайды; бөлек қолтаңбамен қол қойыңыз
error-document-signing-certificate-mismatch = signingCertificateV2 атрибуты қол қоюшының тіркеу куәлігін көрсетпейді; хабар өзгертілген
error-timestamp-not-a-signature = уақыт белгісі қойылатын қолтаңба бір қол қоюшысы бар CMS хабары емес; qoltanba жасаған қолтаңбаға белгі қойыңыз
error-timestamp-malformed = уақыт белгісі қызметінің жауабы RFC 3161 уақыт белгісі емес; қызмет мекенжайын тексеріңіз
error-timestamp-rejected = уақыт белгісі қызметі бас тартты (күй { $status }{ $detail }); кейінірек қайталаңыз немесе басқа қызметті көрсетіңіз
error-timestamp-no-token = уақыт белгісі қызметі сұрауды қабылдады, бірақ белгі жібермеді; қайталап көріңіз
error-timestamp-nonce-mismatch = уақыт белгісі басқа сұрауға берілген (nonce сәйкес емес); қайталап көріңіз
error-timestamp-imprint-mismatch = уақыт белгісі бұл қолтаңбаға қойылмаған; қызметтің жауабы оған қатысты емес
error-timestamp-unsupported-digest = уақыт белгісінің { $algorithm } хэштеу алгоритмі қабылданбайды; SHA-256 немесе Стрибог-512 қолданыңыз
error-timestamp-bad-token = уақыт белгісінің қолтаңбасы тексеруден өтпейді: { $reason }
error-timestamp-not-a-tsa = уақыт белгісіне уақыт белгісі қызметіне тиесілі емес тіркеу куәлігімен қол қойылған (критикалық timeStamping кеңейтімі жоқ)
error-tsa-bad-url = уақыт белгісі қызметінің { $url } мекенжайы http(s) мекенжайы емес; қызмет мекенжайын көрсетіңіз
error-tsa-unreachable = уақыт белгісі қызметіне қосылу мүмкін емес ({ $cause }); байланысты және қызмет мекенжайын тексеріңіз
error-tsa-timeout = уақыт белгісі қызметі уақытында жауап бермеді; қайталап көріңіз
error-tsa-http = уақыт белгісі қызметі HTTP { $status } деп жауап берді; қызмет мекенжайын тексеріңіз немесе кейінірек қайталаңыз
error-tsa-content-type = уақыт белгісі қызметі application/timestamp-reply емес, { $content_type } түрімен жауап берді; қызмет мекенжайын тексеріңіз
error-tsa-too-large = уақыт белгісі қызметінің жауабы 1 МиБ-тан үлкен; қызмет мекенжайын тексеріңіз
error-tsa-bad-root = уақыт белгісі қызметінің түбірлік тіркеу куәлігі дұрыс DER тіркеу куәлігі емес
error-cabinet-unknown-key = { $serial } тіркеу куәлігі бар кілт бұл құрылғыда белгісіз; кілттер тізімін жаңартыңыз
error-cabinet-not-for-signing = { $serial } тіркеу куәлігі қол қоюға емес, кіруге арналған; SIGN кілтін таңдаңыз
error-cabinet-not-valid-now = { $serial } тіркеу куәлігі қазір жарамсыз; жарамды кілтті таңдаңыз
error-cabinet-cannot-log-in = { $serial } тіркеу куәлігімен кіру мүмкін емес (AUTH кілті емес немесе жарамсыз); жарамды AUTH кілтін таңдаңыз
error-cabinet-internal = ішкі қате: { $detail }

## USB tokens: errors
error-token-module = { $path } PKCS#11 модулі жүктелмейді ({ $reason }); токен өндірушісінің PKCS#11 кітапханасына жолды көрсетіңіз
error-token-none = { $module } слоттарында токен жоқ; токенді салып, қайталаңыз
error-token-no-such = «{ $label }» белгісі бар токен салынбаған (бар: { $present }); белгіні тексеріңіз
error-token-which = бірнеше токен салынған ({ $present }); біреуін белгісі бойынша таңдаңыз
error-token-wrong-pin = токеннің PIN-коды қате; егер токенде зауыттық PIN-код болса, ол Kaztoken үшін 12345678, eToken PRO (Java, 72K) және JaCarta үшін 1234567890
error-token-wrong-pin-low = токеннің PIN-коды қате (бұғатталғанға дейін аз әрекет қалды); егер токенде зауыттық PIN-код болса, ол Kaztoken үшін 12345678, eToken PRO (Java, 72K) және JaCarta үшін 1234567890
error-token-wrong-pin-final = токеннің PIN-коды қате (бір әрекет қалды: келесі қате PIN-код токенді бұғаттайды); егер токенде зауыттық PIN-код болса, ол Kaztoken үшін 12345678, eToken PRO (Java, 72K) және JaCarta үшін 1234567890
error-token-pin-locked = токеннің PIN-коды қате әрекеттерден кейін бұғатталды; оны токен өндірушісінің бағдарламасымен бұғаттан шығарыңыз (әкімші PIN-коды немесе PUK керек)
error-token-wrong-token = кілт { $wanted } сериялық нөмірлі токенде, ал басқасы салынған ({ $present }); сол токенді салыңыз
error-token-removed = токен ажыратылды ({ $reason }); оны қайта салып, қайталаңыз
error-token-no-key = токенде { $id } id-і бар жабық кілт жоқ; кілттерді `qoltanba keys --token` арқылы қараңыз
error-token-no-certificate = токенде { $id } кілтіне тіркеу куәлігі жоқ; оны орнатыңыз немесе басқа кілтті таңдаңыз
error-token-unsupported-key = токеннің { $id } кілті { $kind } түрінде; qoltanba токендегі RSA және P-256 кілттерімен қол қояды
error-token-unsupported = токен мынаны істей алмайды: { $what }; { $advice }
error-token-malformed = токендегі { $what } бүлінген ({ $detail }); токен зақымдалған немесе басқа бағдарлама жазған болуы мүмкін
error-token-bad-location = { $location } токендегі кілттің орны емес; token:SERIAL/ID-HEX күтіледі
error-token-device = токен «{ $operation }» орындай алмады: { $detail }

## The NCALayer service: the local CA and trust
error-layer-tls-io = { $path } үшін «{ $action }» орындалмады: { $reason }; каталог сіздікі екенін және оған жазуға болатынын тексеріңіз
error-layer-tls-damaged = { $path } ішіндегі жергілікті сертификат файлдары бүлінген ({ $detail }); каталогты жойып, `qoltanba layer trust` командасын қайта орындаңыз
error-layer-tls-not-private = { $path } осы компьютердің басқа пайдаланушыларына ашық; оны жабыңыз (каталогқа chmod 700, файлдарға 600)
error-layer-tls-generate = жергілікті сертификат жасалмады ({ $detail }); қайталап көріңіз
error-layer-trust-no-certutil = certutil орнатылмаған; libnss3-tools (Debian, Ubuntu), nss-tools (Fedora) немесе nss (Arch, Homebrew) пакетін орнатып, команданы қайталаңыз
error-layer-trust-certutil = certutil { $path } NSS дерекқорында «{ $action }» әрекетін орындай алмады: { $detail }; оны пайдаланатын браузерлерді жауып, қайталаңыз
error-layer-trust-not-a-database = { $path } NSS дерекқоры емес (онда cert9.db жоқ); cert9.db жатқан каталогты көрсетіңіз
error-layer-trust-no-home = үй каталогы белгісіз (HOME берілмеген); HOME мәнін беріңіз немесе дерекқорларды --nss-db DIR арқылы көрсетіңіз
layer-trust-installed = сенім орнатылды: qoltanba жергілікті КО-сы ({ $nickname }), { $path }
layer-trust-removed = { $count ->
    [one] { $path } ішінен qoltanba-ның { $count } КО-сы жойылды
   *[other] { $path } ішінен qoltanba-ның { $count } КО-сы жойылды
}
layer-trust-os-add = qoltanba операциялық жүйенің қоймасын өзгертпейді. Соны пайдаланатын бағдарламалар (Windows пен macOS-тағы Chrome, Safari, curl) КО-ны сіз өзіңіз қосқанда ғана сенеді ({ $path }):
layer-trust-os-remove = Егер КО-ны операциялық жүйенің қоймасына қосқан болсаңыз, оны сол жерден де жойыңыз:
layer-trust-needed = бұл жаңа жергілікті КО: браузерлер оған `qoltanba layer trust` орындалғаннан кейін сенеді (бір рет орындаңыз; қайта — тек КО жаңартылғанда)

## The CLI's review
cli-review-title = Өтініш:
cli-review-holder = иесі:          { $name } (ЖСН { $iin })
cli-review-email = e-mail:        { $email }
cli-review-locality = елді мекен:    { $locality }
cli-review-storage = сақтау орны:   { $storage }
cli-review-algorithm = алгоритм:      { $algorithm }
cli-review-validity = { $days ->
    [one] қолданылу мерзімі: { $days } күн
   *[other] қолданылу мерзімі: { $days } күн
}
cli-review-validity-unknown = қолданылу мерзімі: куәландырушы орталықтың шешімі бойынша
cli-review-replaces = ауыстырады:    { $serials }
cli-review-question = Бұл өтінішке қол қойып, жіберу керек пе?
cli-renewal-needs-review = { $renewal } жаңарту жоғарыдағы өтінішті растауыңызды күтуде; орындаңыз: qoltanba renew --resume --confirm

## qoltanba NCALayer ретінде (qoltanba-layer)

layer-error-busy = qoltanba бір уақытта { $max } беттен артық қызмет етпейді; басқа бетті жауып, қайталаңыз
layer-error-no-storage = qoltanba-да { $storage } қоймасының кілттері жоқ; qoltanba layer serve-ті солармен іске қосыңыз (--key-file, --simulator, --keystore, --token)
layer-error-no-key-fits = бірде-бір кілт бұл сұрауға сәйкес келмейді (мақсаты, кеңейтілген қолданылуы, мерзімі немесе кері қайтарылуы)
layer-error-key = кілттерді ашу мүмкін болмады; себебі qoltanba терезесінде
layer-error-sign = қол қою сәтсіз аяқталды; себебі qoltanba терезесінде
layer-error-document = құжатқа қол қою мүмкін емес: { $detail }
layer-told-key = { $source } кілттерін ашу мүмкін болмады: { $detail }
layer-told-no-key-fits = { $source } ішіндегі бірде-бір кілт бұл сұрауға сәйкес келмейді (мақсаты, кеңейтілген қолданылуы, мерзімі немесе кері қайтарылуы).
layer-told-sign = Қол қою сәтсіз аяқталды: { $detail }
layer-refused-declines = { $origin } сайтына бір минут ішінде { $count } рет бас тартылды; енді qoltanba қайта іске қосылғанша оған сұрамай бас тартады.
layer-refused-by-citizen = qoltanba қайта іске қосылғанша { $origin } сайтына сұрамай бас тартады.
layer-refused-origin = Бетке сұрамай бас тартылды: { $reason }
layer-prompt-header = Бет qoltanba-дан қол қоюды сұрайды
layer-prompt-header-keyinfo = Бет қай сертификатпен қол қоятыныңызды сұрайды (қолтаңбасыз)
layer-prompt-origin = бет:        { $origin }
layer-prompt-no-origin = (жоқ: веб-бет емес, осы компьютердегі бағдарлама)
layer-prompt-unknown-origin = Бұл сайт сіздің порталдар тізіміңізде жоқ. Оны өзіңіз ашып, сенсеңіз ғана рұқсат етіңіз.
layer-prompt-method = сұрау:      { $method }
layer-prompt-format-cms = пішімі:     CMS, { $attached ->
    [yes] құжат ішінде
   *[no] тек қолтаңба
}
layer-prompt-format-xml = пішімі:     құжаттағы XML қолтаңбасы
layer-prompt-documents = құжаттар:   { $count }
layer-prompt-document-xml = { $n }. XML, түбір элементі <{ $root }>, { $size } байт: { $excerpt }
layer-prompt-document-text = { $n }. мәтін, { $size } байт: { $excerpt }
layer-prompt-document-hash = { $n }. мұнда көрінбейтін құжаттың хеші ({ $size } байт): { $hex }
layer-prompt-document-binary = { $n }. екілік деректер, { $size } байт
layer-prompt-source = { $n }) { $label }
layer-prompt-question = Қай кілтпен қол қоясыз? Нөмірі (1-{ $count }), бас тарту үшін n, qoltanba қайта іске қосылғанша бұл сайтқа бас тарту үшін x:{" "}
layer-prompt-question-origin = Бұл сайтқа бұдан әрі де рұқсат етілсін бе? y/N:{" "}
layer-prompt-key = { $n }) { $holder } (ЖСН { $iin }), { $purpose }, { $algorithm }, { $until } дейін — { $label } ({ $storage })
layer-prompt-key-question = Қай сертификат? Нөмірі (1-{ $count }) немесе бас тарту үшін n:{" "}
layer-prompt-no-timestamp = Бет уақыт белгісін сұрайды; TSA бапталмаған (serve --tsa URL), сондықтан қолтаңба онсыз болады.
layer-prompt-declined = Бас тартылды; ештеңеге қол қойылған жоқ.
layer-prompt-more = …және тағы { $count }
layer-prompt-signed-element = қол қойылады: тек { $xpath } элементіне
layer-prompt-signature-parent = қолтаңба:   { $xpath } элементіне салынады
layer-prompt-recap = сұрау:      { $method }, құжаттар: { $count }
layer-prompt-key-signing = қол қоятын кілт: { $holder } (ЖСН { $iin }), { $purpose }, { $algorithm }, { $until } дейін — { $label } ({ $storage })
layer-prompt-page-left = Сіз жауап бергенше бет жабылды; ештеңе ашылған жоқ, қол қойылған жоқ.
layer-serving = qoltanba беттерге NCALayer ретінде wss://{ $addr } мекенжайында жауап береді (Ctrl-C тоқтатады)
