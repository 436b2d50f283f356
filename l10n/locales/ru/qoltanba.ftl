# Слова qoltanba на русском. Как называются идентификаторы и как добавить
# сообщение: docs/localization.md. Каждый идентификатор есть и в каталогах
# kk и en, с теми же переменными.

-eds = ЭЦП
-nca = НУЦ РК

## Ошибки: файлы ключей (qoltanba-pki)

error-key-file-not-pkcs12 = это не файл ключей PKCS#12 (пустой, обрезанный или другого формата); выберите файл .p12, выданный { -nca }
error-key-file-wrong-password = неверный пароль к файлу ключей, или файл изменён; проверьте пароль (важны заглавные буквы и раскладка клавиатуры) и попробуйте снова
error-key-file-no-mac = у файла ключей нет контроля целостности (MAC), ему нельзя доверять; экспортируйте его заново с MAC
error-key-file-malformed = файл ключей повреждён; возьмите резервную копию или отзовите ключ и выпустите новый
error-key-file-no-private-key = в файле нет закрытого ключа; выберите файл с ключом, а не регистрационное свидетельство
error-key-file-no-certificate = в файле ключей ещё нет регистрационного свидетельства (новый ключ ждёт его выпуска); сначала установите выданное свидетельство
error-key-file-unsupported-algorithm = файл ключей использует неподдерживаемый алгоритм ({ $algorithm }); экспортируйте его заново с алгоритмами { -nca } или с алгоритмом OpenSSL по умолчанию (AES-256)
error-key-file-already-exists = { $path } уже существует; файл ключей никогда не перезаписывается, выберите другую папку
error-key-file-io = нет доступа к { $path } ({ $reason }); проверьте путь и права на папку
error-output-closed = вывод был закрыт до того, как всё было записано
error-output-disk-full = не удаётся записать вывод: диск заполнен; освободите место или выводите в другое место
error-output-failed = не удаётся записать вывод ({ $reason })
error-disk-full = не удаётся записать { $path }: диск заполнен; освободите место или выберите другую папку
error-random-failed = системный генератор случайных чисел дал сбой; попробуйте снова

## Ошибки: правила пароля для новых файлов ключей

error-password-too-short = { $min ->
    [one] новый пароль короче { $min } символа; выберите пароль длиннее
   *[other] новый пароль короче { $min } символов; выберите пароль длиннее
}
error-password-too-long = { $max ->
    [one] новый пароль длиннее { $max } символа; выберите пароль короче
   *[other] новый пароль длиннее { $max } символов; выберите пароль короче
}
error-password-no-uppercase = в новом пароле нет заглавной латинской буквы (A-Z); добавьте её
error-password-no-lowercase = в новом пароле нет строчной латинской буквы (a-z); добавьте её
error-password-no-digit = в новом пароле нет цифры (0-9); добавьте её
error-password-cyrillic = в новом пароле есть русские (кириллические) буквы; переключите клавиатуру на английскую (латинскую) раскладку и наберите пароль снова
error-password-non-ascii = в новом пароле есть символ, кроме латинских букв, цифр и символов ASCII; используйте только их
error-password-whitespace = в новом пароле есть пробел или управляющий символ; используйте только буквы, цифры и символы

## Ошибки: серийные номера

error-serial-empty = он пуст
error-serial-too-long = он длиннее { $max } шестнадцатеричных цифр
error-serial-not-hex = в нём есть символ, кроме 0-9 и A-F

## Ошибки: удостоверение личности (qoltanba-card)

error-card-lost = связь с картой потеряна (она вышла из поля телефона или из считывателя); держите её неподвижно и попробуйте снова
error-card-timeout = карта не ответила вовремя; держите её неподвижно и попробуйте снова
error-card-reader = сбой считывателя карт: { $reason }
error-card-wrong-can = неверный CAN; проверьте 6 цифр на лицевой стороне карты
error-card-wrong-pin = { $tries ->
    [1] неверный PIN-код; осталась 1 попытка (следующий неверный PIN-код заблокирует карту)
    [one] неверный PIN-код; осталась { $tries } попытка
    [few] неверный PIN-код; осталось { $tries } попытки
   *[other] неверный PIN-код; осталось { $tries } попыток
}
error-card-pin-blocked = PIN-код заблокирован; разблокируйте его PUK-кодом
error-card-pin-blocked-no-puk = PIN-код заблокирован, а PUK-код этой карты неизвестен; обратитесь в ЦОН
error-card-wrong-puk = { $tries ->
    [1] неверный PUK-код; осталась 1 попытка (следующий неверный PUK-код заблокирует его навсегда)
    [one] неверный PUK-код; осталась { $tries } попытка
    [few] неверный PUK-код; осталось { $tries } попытки
   *[other] неверный PUK-код; осталось { $tries } попыток
}
error-card-puk-blocked = PUK-код заблокирован; ключами карты больше нельзя пользоваться; обратитесь в ЦОН
error-card-pin-needed = карта сначала требует PIN-код; введите PIN-код
error-card-can-needed = для подключения к карте нужен её CAN (6 цифр, напечатанных на карте)
error-card-unknown = qoltanba не знает эту карту (не ответил ни один известный профиль); используйте удостоверение личности РК
error-card-secret-not-digits = { $kind } должен состоять только из цифр
error-card-secret-length = { $min ->
    [0] { $kind } должен состоять из { $max } цифр; проверьте его и введите снова
   *[other] { $kind } должен состоять из { $min }–{ $max } цифр; проверьте его и введите снова
}
error-card-new-pin-length = { $min ->
    [0] новый PIN-код должен состоять из { $max } цифр
   *[other] новый PIN-код должен состоять из { $min }–{ $max } цифр
}
error-card-no-pace = карта не поддерживает PACE (нет PACEInfo в EF.CardAccess)
error-card-pace-unsupported = карта не предлагает ни одного варианта PACE, который поддерживает qoltanba
error-card-chip-authentication = карта не смогла доказать, что знает CAN: это не та карта, к которой относится CAN, или кто-то вмешался; сеанс завершён, попробуйте снова
error-card-invalid-point = карта прислала недопустимый открытый ключ; сеанс завершён, попробуйте снова
error-card-pace-malformed = ответ карты в PACE искажён ({ $detail }); попробуйте снова и сообщите нам, если это повторится
error-card-pace-refused = карта отклонила PACE со словом состояния { $sw }
error-card-malformed-answer = ответ карты искажён: { $detail }
error-card-secure-messaging = сбой защищённого обмена с картой ({ $detail }); сеанс завершён, приложите карту снова
error-card-unprotected = карта ответила в защищённом сеансе открытым текстом; сеанс завершён, приложите карту снова
error-card-session-ended = защищённый сеанс с картой завершён; приложите карту снова
error-card-endless-response = карта без конца запрашивает GET RESPONSE; она работает неправильно
error-card-overlong-response = ответ карты длиннее запрошенных { $limit } байт
error-card-key-malformed-public = открытый ключ карты искажён: { $detail }
error-card-key-malformed-signature = подпись карты искажена: { $detail }
error-card-slot-empty = ячейка ключа { $slot } пуста
error-card-no-such-slot = на этой карте нет ячейки ключа { $slot }
error-card-slot-in-use = в ячейке { $slot } действующий ключ, её нельзя перезаписать
error-card-unsupported = карта не поддерживает { $what }
error-card-not-confirmed = создание ключа в ячейке { $slot } не подтверждено; ничего не изменено
error-card-certificate-refused = карта не приняла регистрационное свидетельство для ячейки { $slot }: его нет, оно неполное или не для ключа этой ячейки; запишите его снова
error-card-certificate-too-large = размер регистрационного свидетельства { $size } байт; файл карты вмещает не больше { $limit }
error-card-certificate-file = файл регистрационного свидетельства ячейки ключа { $slot } повреждён ({ $detail }); обратитесь с картой в ЦОН
error-card-unexpected = карта ответила на { $operation } словом состояния { $sw }, которого qoltanba не ожидает; попробуйте снова и сообщите нам, если это повторится
error-card-malformed = ответ карты на { $operation } искажён: { $detail }

## Ошибки: удостоверяющий центр (клиент в qoltanba-core)

error-ra-unreachable = удостоверяющий центр недоступен ({ $reason }); проверьте подключение и попробуйте снова
error-ra-timeout = удостоверяющий центр не ответил вовремя; попробуйте снова
error-ra-dropped = соединение с удостоверяющим центром прервалось; попробуйте снова
error-ra-refused = { $problem ->
    [wrong-code] неверный одноразовый код; проверьте код в SMS и введите его снова
    [code-expired] срок одноразового кода истёк; подайте заявление снова, чтобы получить новый код
    [application-locked] слишком много неверных кодов; заявление заблокировано, подайте новое
    [code-not-sent] не удалось отправить SMS с кодом; попробуйте снова
    [no-phone] у удостоверяющего центра нет вашего номера телефона; обновите его в ЦОН
    [certificate-revoked] регистрационное свидетельство отозвано; продлить его нельзя, получите новое
    [certificate-untrusted] регистрационное свидетельство сейчас недействительно (истекло или не доверено); получите новое в ЦОН
    [rate-limited] слишком много попыток; подождите несколько минут и попробуйте снова
    [unauthenticated] сеанс истёк; войдите снова
   *[other] удостоверяющий центр отклонил запрос ({ $problem }): { $detail }
}
error-ra-server = удостоверяющий центр сейчас не работает (HTTP { $status }); попробуйте позже
error-ra-protocol = удостоверяющий центр ответил неожиданно: { $detail }
error-ra-bad-trust-anchor = корневой сертификат удостоверяющего центра не является сертификатом в формате DER; используйте корневой сертификат, который публикует центр

## Ошибки: база данных устройства

error-store-open = не удаётся открыть локальную базу данных { $path }: { $detail }
error-store-too-new = локальная база данных записана более новой версией qoltanba (схема { $found }, эта версия знает { $known }); обновите приложение
error-store-renewal-in-progress = продление этого ключа уже идёт (продление { $renewal }); продолжите или отмените его
error-store-no-such-renewal = продления { $renewal } нет
error-store-sql = ошибка локальной базы данных: { $detail }

## Ошибки: продление

error-renewal-key-file = файл ключей { $path } нельзя использовать: { $reason }
error-renewal-no-certificate = в файле ключей { $path } нет регистрационного свидетельства; используйте файлы ключей, выданные { -nca }
error-renewal-which-keys = укажите текущие файлы ключей: один файл GOST512_ или файлы AUTH_ и SIGN
error-renewal-key = { $detail }
error-renewal-no-password = нужен пароль, но он не указан
error-renewal-pin-not-verified = PIN-код удостоверения личности в этом сеансе не проверен; проверьте его, затем начните продление
error-renewal-card-lost = удостоверение личности: { $reason }; продолжите продление
error-renewal-user-not-authenticated = разблокируйте телефон (отпечаток пальца, лицо или код-пароль), затем продолжите продление
error-renewal-application = не удаётся составить заявление: { $detail }
error-renewal-bad-issue = выданное регистрационное свидетельство не прошло проверку: { $detail }; ничего не установлено
error-renewal-failed = продление завершилось без новых регистрационных свидетельств: { $reason }; начните новое
error-renewal-corrupt = сохранённое продление не читается ({ $detail }); начните новое
error-renewal-cancelled = продление остановлено после шага «{ $step }»; продолжите его позже

## Ошибки: ссылки

error-link-too-long = ссылка длиннее { $max } символов
error-link-not-qoltanba = это не ссылка qoltanba (ожидается qoltanba://… или https://…/renew/…)
error-link-unknown-action = ссылка просит «{ $action }», а это приложение такого не знает (ожидается renew)
error-link-bad-query = ссылка должна содержать ровно serial=HEX и ничего больше
error-link-bad-serial = серийный номер в ссылке непригоден: { $reason }

## Виды ошибок, которые видят приложения (коды QoltanbaError в qoltanba-ffi),
## общими словами; подробности говорят, что случилось в этот раз.

error-kind-wrong-password = Неверный пароль
error-kind-wrong-pin = Неверный PIN-код
error-kind-pin-blocked = PIN-код заблокирован
error-kind-wrong-can = Неверный CAN
error-kind-card-lost = Связь с картой потеряна; приложите её к телефону снова
error-kind-wrong-code = Неверный одноразовый код
error-kind-ra-unreachable = Удостоверяющий центр недоступен
error-kind-ra-refused = Удостоверяющий центр отклонил запрос
error-kind-invalid-input = Проверьте введённые данные
error-kind-key-file = Файл ключей нельзя использовать
error-kind-card = Сбой удостоверения личности
error-kind-renewal-failed = Продление не может продолжиться
error-kind-user-not-authenticated = Сначала разблокируйте телефон
error-kind-keystore = Сбой хранилища ключей телефона
error-kind-cancelled = Продление остановлено
error-kind-storage = Сбой локальной базы данных приложения
error-kind-internal = Внутренняя ошибка qoltanba
error-internal = внутренняя ошибка qoltanba ({ $what }); сообщите о ней, пожалуйста

## Шаги продления, как их видит гражданин

step-started = начато
step-keys-generated = новые ключи созданы
step-signed = заявление подписано
step-awaiting-code = ожидается одноразовый код
step-awaiting-issuance = код принят; ожидается выпуск
step-issued = регистрационные свидетельства выпущены
step-installed = регистрационные свидетельства установлены
step-done = готово
step-failed = не удалось

## Ход продления, как о нём сообщает ядро

status-logging-in = вход с ключом AUTH
status-reading-certificates = чтение ваших регистрационных свидетельств в удостоверяющем центре
status-generating-key = создание нового ключа { $purpose } ({ $algorithm })
status-signing = подписание заявления текущим ключом SIGN
status-submitting = подача заявления
status-accepted = заявление { $number } принято
status-code-accepted = код принят
status-code-expired = срок кода истёк; заявление подаётся снова
status-code-sent = одноразовый код отправлен на { $phone }
status-code-pending = одноразовый код на { $phone } ещё не отправлен; удостоверяющий центр пробует снова
status-code-failed = не удалось отправить одноразовый код на { $phone }; запросите новый код
status-code-resending = запрашиваем у удостоверяющего центра новый одноразовый код
status-issued = новые регистрационные свидетельства выпущены
status-waiting-for-issuance = ожидание выпуска (следующий запрос через { $seconds } с)
status-installing = установка регистрационных свидетельств к новым ключам
status-card-key-generated = ключ создан на удостоверении личности (ячейка { $slot })
status-card-certificate-saved = регистрационное свидетельство ячейки { $slot } сохранено в { $path }
status-card-writing-certificate = запись регистрационного свидетельства на удостоверение личности (ячейка { $slot })
status-keystore-key-generated = новый ключ создан в хранилище ключей устройства ({ $level })
warning-card-slot-erase = Создать новый ключ { $purpose } в ячейке { $slot } удостоверения личности? Ключ в этой ячейке будет стёрт; в ней нет ключа действующего регистрационного свидетельства.

## Слова командной строки (qoltanba-cli)

cli-error = ошибка: { $message }
cli-disk-full = { $what }: диск заполнен; освободите место или выберите другую папку
cli-key-expired = срок сертификата ключа истёк { $date }; ключом с истёкшим сроком ничего не подписывается (укажите --at, чтобы проверить действительность на другой момент)
cli-key-not-yet-valid = сертификат ключа ещё не действителен (действует с { $date }); проверьте дату и время компьютера или укажите --at
cli-out-not-utf8 = имя --out { $name } не является допустимым UTF-8; выберите имя в UTF-8
cli-renewal-resuming = Продолжение продления { $renewal }.
cli-renewal-started = { $home ->
    [card] Продление { $renewal } начато (ключи на удостоверении личности).
    [keystore] Продление { $renewal } начато (новые ключи в хранилище ключей).
   *[file] Продление { $renewal } начато.
}
cli-renewal-needs-code = Заявление { $number } ждёт одноразовый код, отправленный на ваш телефон; выполните: qoltanba renew --resume --code КОД
cli-renewal-code-pending = Заявление { $number }: одноразовый код ещё не отправлен (удостоверяющий центр пробует снова). Когда придёт SMS, выполните: qoltanba renew --resume --code КОД; если SMS не придёт: qoltanba renew --resume --resend-code
cli-renewal-code-failed = Заявление { $number }: не удалось отправить одноразовый код на { $phone }. Запросите новый: qoltanba renew --resume --resend-code
cli-renewed = Продлено (продление { $renewal }, заявление { $application }).
cli-code-prompt = Одноразовый код для заявления { $number }:{" "}
cli-not-confirmed = { $question } (не подтверждено: запустите в терминале или укажите --yes)
cli-demo-code-arrived = одноразовый код пришёл по SMS (прочитан из исходящих демонстрационного удостоверяющего центра)
cli-no-renewal-to-resume = нет незавершённого продления; начните его: qoltanba renew --keys …
cli-secret-missing = нужен { $what }: укажите { $flag } ФАЙЛ, задайте { $env } или запустите в терминале, чтобы ввести его
cli-secret-can = CAN карты (6 цифр, напечатанных на карте)
cli-secret-pin = PIN-код карты
cli-secret-new-pin = новый PIN-код карты
cli-secret-puk = PUK-код карты
cli-secret-password = пароль файлов ключей
cli-secret-new-password = пароль новых файлов ключей
cli-secret-token-pin = PIN-код токена
cli-secret-repeat = Повторите:{" "}
cli-secret-differ = введённые значения не совпадают; введите ещё раз
cli-renewal-card-where = ключи продления { $renewal } хранятся на удостоверении личности, которое этот компьютер ещё не использовал; укажите, где карта: --card-reader ИМЯ или --card-simulator ФАЙЛ
cli-warning-last-pin-try = внимание: осталась одна попытка ввода PIN-кода; неверный PIN-код заблокирует карту

## Назначение регистрационных свидетельств

purpose-auth = аутентификация
purpose-sign = подпись
purpose-both = аутентификация и подпись
purpose-other = { -eds }

## Уведомления об истечении срока: напоминания на устройстве, письмо, SMS и push
## от удостоверяющего центра. $end — время окончания по Астане, $link открывает
## продление этого регистрационного свидетельства.

notice-expiring-title = { $days ->
    [one] Срок { -eds } истекает: остался { $days } день
    [few] Срок { -eds } истекает: осталось { $days } дня
    [many] Срок { -eds } истекает: осталось { $days } дней
   *[other] Срок { -eds } истекает: осталось { $days } дня
}
notice-expired-title = Срок { -eds } истёк
notice-expiring-body = Регистрационное свидетельство ({ $purpose }) { $serial } истекает { $end } (время Астаны). Нажмите, чтобы продлить.
notice-expired-body = Регистрационное свидетельство ({ $purpose }) { $serial } истекло { $end } (время Астаны). Получите новое.
notice-email-subject = qoltanba: срок регистрационного свидетельства { -eds } истекает { $end }
notice-email-greeting = Уважаемый(ая) { $name }!
notice-email-greeting-anonymous = Уважаемый(ая) гражданин(ка)!
notice-email-body = { $days ->
    [one] Срок действия вашего регистрационного свидетельства { -eds } ({ $purpose }, серийный номер { $serial }) истекает { $end } (время Астаны), остался { $days } день. Продлить его можно в приложении qoltanba за несколько шагов: { $link }
    [few] Срок действия вашего регистрационного свидетельства { -eds } ({ $purpose }, серийный номер { $serial }) истекает { $end } (время Астаны), осталось { $days } дня. Продлить его можно в приложении qoltanba за несколько шагов: { $link }
    [many] Срок действия вашего регистрационного свидетельства { -eds } ({ $purpose }, серийный номер { $serial }) истекает { $end } (время Астаны), осталось { $days } дней. Продлить его можно в приложении qoltanba за несколько шагов: { $link }
   *[other] Срок действия вашего регистрационного свидетельства { -eds } ({ $purpose }, серийный номер { $serial }) истекает { $end } (время Астаны), осталось { $days } дня. Продлить его можно в приложении qoltanba за несколько шагов: { $link }
}
notice-sms = регистрационное свидетельство { -eds } { $serial } истекает { $end }; продлите его
notice-page-title = Продление регистрационного свидетельства { -eds }
notice-page-body = Эта ссылка открывает продление регистрационного свидетельства { -eds } { $serial } в приложении qoltanba на вашем телефоне. Если приложение не открылось само, нажмите кнопку ниже; если оно не установлено, сначала установите qoltanba из App Store или Google Play.
notice-page-button = Открыть в qoltanba

## The review before signing, and its errors
error-renewal-declined = продление отклонено при проверке заявления; ничего не подписано
error-renewal-past-review = продление уже прошло проверку заявления (шаг { $step }); продолжите его или дождитесь решения регистрационного центра
error-renewal-not-awaiting-code = продление не ожидает одноразового кода (шаг { $step }); продолжите его, не запрашивая новый код
error-renewal-other-home = ключи этого продления хранятся в другом месте: { $remembered }; продолжите его с этими ключами (а не: { $given })
warning-unprotected-storage = хранение на компьютере не защищено; лучше удостоверение личности или хранилище телефона
warning-email-changed = e-mail отличается от указанного в текущем регистрационном свидетельстве; уведомления будут приходить на новый
warning-ends-soon = текущее регистрационное свидетельство истекает в течение недели; просроченный ключ нельзя продлить онлайн

## USB tokens
status-token-key-generated = новый ключ { $purpose } создан на токене (id { $id })
status-token-certificate-stored = регистрационное свидетельство { $serial } записано на токен
status-demo-review-confirmed = гражданин подтверждает заявление (демонстрация отвечает «да»)

## The cabinet: keys, actions, applications
status-key-valid = { $days ->
    [one] действует, остался { $days } день
    [few] действует, осталось { $days } дня
    [many] действует, осталось { $days } дней
   *[other] действует, осталось { $days } дня
}
status-key-expiring = { $days ->
    [one] истекает через { $days } день: продлите сейчас
    [few] истекает через { $days } дня: продлите сейчас
    [many] истекает через { $days } дней: продлите сейчас
   *[other] истекает через { $days } дня: продлите сейчас
}
status-key-renewing = идёт продление { $renewal }: { $step }
status-key-replaced = заменён при продлении
status-key-revoked = отозван
status-key-expired = истёк: новые ключи выдаются в ЦОН или на egov.kz
status-key-not-yet-valid = ещё не действует; проверьте дату и время телефона
action-renew = Продлить
action-resume-renewal = Продолжить продление
action-sign-document = Подписать документ
action-revoke = Отозвать
action-change-password = Сменить пароль
action-change-pin = Сменить PIN-код
action-unblock-pin = Разблокировать PIN-код

## Меню кабинета: в приложениях по экрану на пункт
menu-keys = Мои ключи
menu-renew = Продление
menu-applications = Заявления
menu-revoke = Отзыв регистрационного свидетельства
menu-credentials = Пароль и PIN-код
menu-documents = Документы
menu-settings = Настройки

## Причины отзыва, как их выбирает гражданин
reason-unspecified = Без указания причины
reason-key-compromise = Ключ или его пароль мог узнать кто-то другой
reason-ca-compromise = Удостоверяющий центр скомпрометирован
reason-affiliation-changed = Мои данные изменились
reason-superseded = Заменено новым свидетельством
reason-cessation-of-operation = Оно мне больше не нужно
reason-certificate-hold = Приостановить на время
reason-remove-from-crl = Снять приостановку
reason-privilege-withdrawn = Право на его использование отозвано
reason-aa-compromise = Центр атрибутов скомпрометирован
next-step-enter-code = введите код из SMS
next-step-wait-for-issuance = подождите: регистрационные свидетельства выпускаются
next-step-install-certificates = установите выпущенные регистрационные свидетельства
next-step-nothing = ничего делать не нужно
next-step-start-again = начните новое продление
storage-file = файл ключа на этом устройстве
storage-platform-keystore = хранилище телефона
storage-id-card = удостоверение личности
storage-token = USB-токен

## Signed documents and the cabinet's own errors
error-document-malformed = это не подписанное сообщение CMS (DER или PEM); передайте подписанные байты без изменений
error-document-detached = в подписанном сообщении нет содержимого; подпишите с присоединённым содержимым
error-document-content-missing = подпись отсоединённая, а подписанный документ не передан; передайте документ, который она подписывает
error-document-content-twice = подписанное сообщение уже содержит документ; проверяйте его без отдельного документа
error-document-signer-count = у подписанного сообщения должен быть ровно один подписант
error-document-signer-certificate-missing = регистрационного свидетельства подписанта нет в сообщении; включите его при подписании
error-document-missing-attribute = в подписанном сообщении нет атрибута { $attribute }; подписывайте с подписанными атрибутами
error-document-digest-mismatch = содержимое не совпадает с messageDigest; сообщение изменено
error-document-unsupported-digest = алгоритм хеширования { $algorithm } не принимается; используйте SHA-256 или Стрибог-512
error-document-unsupported-signature = алгоритм подписи { $algorithm } здесь не принимается
error-document-bad-signature = подпись не проходит проверку: { $reason }
error-document-sign = ключ не может подписать сообщение: { $reason }
error-document-unsupported-signer = алгоритм ключа { $algorithm } не подписывает сообщения; используйте ключ ГОСТ 2015, RSA или ECDSA P-256
error-document-key-mismatch = регистрационное свидетельство подписанта не принадлежит этому ключу
error-xml-not-utf8 = XML не в кодировке UTF-8; отправьте документ в UTF-8
error-xml-encoding = в XML объявлена кодировка { $encoding }; отправьте документ в UTF-8
error-xml-too-large = XML больше { $limit } байт; подпишите документ поменьше
error-xml-too-deep = в XML элементы вложены глубже { $limit } уровней
error-xml-dtd = в XML есть DOCTYPE; документы с DTD или сущностями не принимаются
error-xml-malformed = XML составлен неправильно: { $reason }
error-xml-xpath-unsupported = XPath { $xpath } не поддерживается; укажите абсолютный путь, например /root/child
error-xml-xpath-no-match = XPath { $xpath } не выбирает ни одного элемента
error-xml-no-id = у подписываемого элемента ({ $xpath }) нет атрибута Id; добавьте его или подпишите весь документ
error-xml-duplicate-id = идентификатор { $id } есть у нескольких элементов; идентификаторы должны быть уникальны
error-xml-unsupported-signer = алгоритм ключа { $algorithm } не подписывает XML; используйте ключ ГОСТ 2015, RSA или ECDSA P-256
error-xml-key-mismatch = регистрационное свидетельство подписанта не принадлежит этому ключу
error-xml-sign = ключ не может подписать XML: { $reason }
error-xml-no-signature = в XML нет ds:Signature
error-xml-signature-structure = ds:Signature составлена неправильно: { $reason }
error-xml-unsupported-algorithm = алгоритм { $algorithm } не поддерживается в XML-подписях
error-xml-unsupported-transform = преобразование { $transform } не поддерживается; допустимы только enveloped-signature и C14N
error-xml-unsupported-reference = ссылка { $reference } не поддерживается; допустимы только URI="" и URI="#id" в том же документе
error-xml-reference-not-found = ссылка { $reference } не указывает ни на один элемент документа
error-xml-reference-outside = ссылка { $reference } указывает за пределы элемента, в котором стоит подпись; документ, возможно, переставлен
error-xml-digest-mismatch = подписанное содержимое не совпадает со своим хэшем; документ изменён
error-xml-bad-signature = подпись не проходит проверку: { $reason }
error-xml-certificate = регистрационное свидетельство подписанта в подписи не читается: { $reason }
error-document-digest-length = переданный хеш занимает { $got } байт, а хеш { $algorithm } этого ключа — { $expected }; вычислите хеш документа алгоритмом { $algorithm }
error-document-digest-attached = подпись над готовым хешем не может содержать документ; подпишите открепленной подписью
error-document-signing-certificate-mismatch = атрибут signingCertificateV2 указывает не на свидетельство подписанта; сообщение изменено
error-timestamp-not-a-signature = подпись для метки времени не является CMS-сообщением с одним подписантом; ставьте метку на подпись, сделанную qoltanba
error-timestamp-malformed = ответ службы меток времени не является меткой времени RFC 3161; проверьте адрес службы
error-timestamp-rejected = служба меток времени отказала (статус { $status }{ $detail }); повторите позже или укажите другую службу
error-timestamp-no-token = служба меток времени приняла запрос, но не прислала метку; повторите попытку
error-timestamp-nonce-mismatch = метка времени выдана на другой запрос (nonce не совпадает); повторите попытку
error-timestamp-imprint-mismatch = метка времени поставлена не на эту подпись; ответ службы к ней не относится
error-timestamp-unsupported-digest = алгоритм хеширования метки времени { $algorithm } не принимается; используйте SHA-256 или Стрибог-512
error-timestamp-bad-token = подпись метки времени не проходит проверку: { $reason }
error-timestamp-not-a-tsa = метка времени подписана свидетельством, которое не принадлежит службе меток времени (нет критичного расширения timeStamping)
error-tsa-bad-url = адрес службы меток времени { $url } не является http(s)-адресом; укажите адрес службы
error-tsa-unreachable = служба меток времени недоступна ({ $cause }); проверьте соединение и адрес службы
error-tsa-timeout = служба меток времени не ответила вовремя; повторите попытку
error-tsa-http = служба меток времени ответила HTTP { $status }; проверьте адрес службы или повторите позже
error-tsa-content-type = служба меток времени ответила с типом содержимого { $content_type }, а не application/timestamp-reply; проверьте адрес службы
error-tsa-too-large = ответ службы меток времени больше 1 МиБ; проверьте адрес службы
error-tsa-bad-root = корневое свидетельство службы меток времени не является корректным DER-свидетельством
error-cabinet-unknown-key = ключ с регистрационным свидетельством { $serial } на этом устройстве неизвестен; обновите список ключей
error-cabinet-not-for-signing = регистрационное свидетельство { $serial } предназначено для входа, а не для подписи; выберите ключ SIGN
error-cabinet-not-valid-now = регистрационное свидетельство { $serial } сейчас не действует; выберите действующий ключ
error-cabinet-cannot-log-in = с регистрационным свидетельством { $serial } войти нельзя (это не ключ AUTH или он не действует); выберите действующий ключ AUTH
error-cabinet-internal = внутренняя ошибка: { $detail }

## USB tokens: errors
error-token-module = модуль PKCS#11 { $path } не загружается ({ $reason }); укажите путь к библиотеке PKCS#11 производителя токена
error-token-none = в слотах { $module } нет токена; вставьте токен и повторите
error-token-no-such = токен с меткой «{ $label }» не вставлен (есть: { $present }); проверьте метку
error-token-which = вставлено несколько токенов ({ $present }); выберите один по метке
error-token-wrong-pin = неверный PIN-код токена; если на токене заводской PIN-код, это 12345678 для Kaztoken и 1234567890 для eToken PRO (Java, 72K) и JaCarta
error-token-wrong-pin-low = неверный PIN-код токена (осталось мало попыток до блокировки); если на токене заводской PIN-код, это 12345678 для Kaztoken и 1234567890 для eToken PRO (Java, 72K) и JaCarta
error-token-wrong-pin-final = неверный PIN-код токена (осталась одна попытка: следующий неверный PIN-код заблокирует токен); если на токене заводской PIN-код, это 12345678 для Kaztoken и 1234567890 для eToken PRO (Java, 72K) и JaCarta
error-token-pin-locked = PIN-код токена заблокирован после неверных попыток; разблокируйте его программой производителя токена (нужен PIN-код администратора или PUK)
error-token-wrong-token = ключ находится на токене с серийным номером { $wanted }, а вставлен другой ({ $present }); вставьте нужный токен
error-token-removed = токен отключён ({ $reason }); вставьте его снова и повторите
error-token-no-key = на токене нет закрытого ключа с id { $id }; посмотрите ключи командой `qoltanba keys --token`
error-token-no-certificate = на токене нет регистрационного свидетельства для ключа { $id }; установите его или выберите другой ключ
error-token-unsupported-key = ключ токена { $id } типа { $kind }; qoltanba подписывает ключами RSA и P-256 на токенах
error-token-unsupported = токен не умеет: { $what }; { $advice }
error-token-malformed = { $what } на токене повреждено ({ $detail }); токен может быть повреждён или записан другой программой
error-token-bad-location = { $location } не является расположением ключа на токене; ожидается token:SERIAL/ID-HEX
error-token-device = токен не смог выполнить «{ $operation }»: { $detail }

## The NCALayer service: the local CA and trust
error-layer-tls-io = не удалось { $action } { $path }: { $reason }; проверьте, что каталог принадлежит вам и доступен для записи
error-layer-tls-damaged = файлы локального сертификата в { $path } повреждены ({ $detail }); удалите каталог и снова выполните `qoltanba layer trust`
error-layer-tls-not-private = { $path } доступен другим пользователям этого компьютера; закройте доступ (chmod 700 для каталога, 600 для файлов)
error-layer-tls-generate = не удалось создать локальный сертификат ({ $detail }); попробуйте ещё раз
error-layer-trust-no-certutil = certutil не установлен; установите пакет libnss3-tools (Debian, Ubuntu), nss-tools (Fedora) или nss (Arch, Homebrew) и повторите команду
error-layer-trust-certutil = certutil не смог выполнить «{ $action }» в базе NSS { $path }: { $detail }; закройте браузеры, которые её используют, и повторите
error-layer-trust-not-a-database = { $path } не является базой NSS (в нём нет cert9.db); укажите каталог, в котором лежит cert9.db
error-layer-trust-no-home = домашний каталог неизвестен (HOME не задан); задайте HOME или укажите базы через --nss-db DIR
layer-trust-installed = доверие установлено: локальный УЦ qoltanba ({ $nickname }) в { $path }
layer-trust-removed = { $count ->
    [one] удалён { $count } УЦ qoltanba из { $path }
    [few] удалено { $count } УЦ qoltanba из { $path }
    [many] удалено { $count } УЦ qoltanba из { $path }
   *[other] удалено { $count } УЦ qoltanba из { $path }
}
layer-trust-os-add = qoltanba не меняет хранилище операционной системы. Программы, которые им пользуются (Chrome в Windows и macOS, Safari, curl), будут доверять УЦ, когда вы добавите его сами ({ $path }):
layer-trust-os-remove = Если вы добавляли УЦ в хранилище операционной системы, удалите его и там:
layer-trust-needed = это новый локальный УЦ: браузеры будут доверять ему после `qoltanba layer trust` (выполните один раз; снова — только при обновлении УЦ)

## The CLI's review
cli-review-title = Заявление:
cli-review-holder = владелец:     { $name } (ИИН { $iin })
cli-review-email = e-mail:        { $email }
cli-review-locality = населённый пункт: { $locality }
cli-review-storage = хранение:      { $storage }
cli-review-algorithm = алгоритм:      { $algorithm }
cli-review-validity = { $days ->
    [one] срок действия: { $days } день
    [few] срок действия: { $days } дня
    [many] срок действия: { $days } дней
   *[other] срок действия: { $days } дня
}
cli-review-validity-unknown = срок действия: как решит удостоверяющий центр
cli-review-replaces = заменяет:      { $serials }
cli-review-question = Подписать и отправить это заявление?
cli-renewal-needs-review = Продление { $renewal } ждёт подтверждения заявления выше; выполните: qoltanba renew --resume --confirm

## qoltanba как NCALayer (qoltanba-layer)

layer-error-busy = qoltanba обслуживает не больше { $max } страниц сразу; закройте другую страницу и повторите
layer-error-no-storage = в qoltanba нет ключей хранилища { $storage }; запустите qoltanba layer serve с ними (--key-file, --simulator, --keystore, --token)
layer-error-no-key-fits = ни один ключ не подходит для запроса (назначение, расширенное использование ключа, срок действия или отзыв)
layer-error-key = ключи не удалось открыть; причина — в окне qoltanba
layer-error-sign = подписать не удалось; причина — в окне qoltanba
layer-error-document = документ нельзя подписать: { $detail }
layer-told-key = Ключи { $source } не удалось открыть: { $detail }
layer-told-no-key-fits = Ни один ключ в { $source } не подходит для запроса (назначение, расширенное использование ключа, срок действия или отзыв).
layer-told-sign = Подписать не удалось: { $detail }
layer-refused-declines = { $origin }: отказов за минуту — { $count }; теперь qoltanba отказывает этому сайту не спрашивая, до перезапуска.
layer-refused-by-citizen = qoltanba отказывает { $origin } не спрашивая, до перезапуска.
layer-refused-origin = Страница получила отказ без вопроса: { $reason }
layer-prompt-header = Страница просит qoltanba подписать
layer-prompt-header-keyinfo = Страница спрашивает, каким сертификатом вы будете подписывать (без подписи)
layer-prompt-origin = страница:   { $origin }
layer-prompt-no-origin = (нет: программа на этом компьютере, не веб-страница)
layer-prompt-unknown-origin = Этого сайта нет в вашем списке порталов. Разрешайте, только если открыли его сами и доверяете ему.
layer-prompt-method = запрос:     { $method }
layer-prompt-format-cms = формат:     CMS, { $attached ->
    [yes] документ внутри
   *[no] только подпись
}
layer-prompt-format-xml = формат:     XML-подпись в документе
layer-prompt-documents = документов: { $count }
layer-prompt-document-xml = { $n }. XML, корневой элемент <{ $root }>, { $size } байт: { $excerpt }
layer-prompt-document-text = { $n }. текст, { $size } байт: { $excerpt }
layer-prompt-document-hash = { $n }. хеш документа, которого здесь не видно ({ $size } байт): { $hex }
layer-prompt-document-binary = { $n }. двоичные данные, { $size } байт
layer-prompt-source = { $n }) { $label }
layer-prompt-question = Каким ключом подписать? Номер (1-{ $count }), n — отказать, x — отказывать этому сайту до перезапуска qoltanba:{" "}
layer-prompt-question-origin = Разрешать этот сайт и впредь? y/N:{" "}
layer-prompt-key = { $n }) { $holder } (ИИН { $iin }), { $purpose }, { $algorithm }, до { $until } — { $label } ({ $storage })
layer-prompt-key-question = Какой сертификат? Номер (1-{ $count }) или n, чтобы отказать:{" "}
layer-prompt-no-timestamp = Страница просит метку времени; TSA не настроен (serve --tsa URL), поэтому подпись будет без неё.
layer-prompt-declined = Отказано; ничего не подписано.
layer-prompt-more = …и ещё { $count }
layer-prompt-signed-element = подписывается: только элемент { $xpath }
layer-prompt-signature-parent = подпись:    в элемент { $xpath }
layer-prompt-recap = запрос:     { $method }, документов: { $count }
layer-prompt-key-signing = подписывает: { $holder } (ИИН { $iin }), { $purpose }, { $algorithm }, до { $until } — { $label } ({ $storage })
layer-prompt-page-left = Страница ушла, пока вы отвечали; ничего не открыто и не подписано.
layer-serving = qoltanba отвечает страницам как NCALayer на wss://{ $addr } (Ctrl-C — остановить)
