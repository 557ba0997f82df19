### Dates in alerts (months, weekdays, the 📅 and ⏳ lines, the digest's past) and how long ago.

month-1 = كانون الثاني (يناير)
month-2 = شباط (فبراير)
month-3 = آذار (مارس)
month-4 = نيسان (أبريل)
month-5 = أيار (مايو)
month-6 = حزيران (يونيو)
month-7 = تموز (يوليو)
month-8 = آب (أغسطس)
month-9 = أيلول (سبتمبر)
month-10 = تشرين الأول (أكتوبر)
month-11 = تشرين الثاني (نوفمبر)
month-12 = كانون الأول (ديسمبر)
weekday-1 = الاثنين
weekday-2 = الثلاثاء
weekday-3 = الأربعاء
weekday-4 = الخميس
weekday-5 = الجمعة
weekday-6 = السبت
weekday-7 = الأحد
date-day = { $weekday } { $day } { $month } { $year }
date-time = { $date }، الساعة { $time }
alert-when = 📅 { $date }
alert-deadline = ⏳ حتى { $date }
digest-past = انقضى موعدها
digest-away = خلال غيابنا، انقضى موعد هذه النداءات
time-never = أبدًا
time-s-ago =
    { $n ->
        [zero] الآن
        [one] قبل ثانية
        [two] قبل ثانيتين
        [few] قبل { $n } ثوانٍ
       *[other] قبل { $n } ثانية
    }
time-m-ago =
    { $n ->
        [two] قبل دقيقتين
        [few] قبل { $n } دقائق
       *[other] قبل { $n } دقيقة
    }
time-h-ago =
    { $n ->
        [two] قبل ساعتين
        [few] قبل { $n } ساعات
       *[other] قبل { $n } ساعة
    }
time-d-ago =
    { $n ->
        [two] قبل يومين
        [few] قبل { $n } أيام
        [many] قبل { $n } يومًا
       *[other] قبل { $n } يوم
    }
