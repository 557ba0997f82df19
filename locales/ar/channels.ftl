### Channels: /addchannel, /removechannel.

addchannel-usage = حدّد القناة: /addchannel @اسم أو /addchannel -100… (أضف البوت مشرفًا على القناة أولًا).
channel-not-found = لا أستطيع رؤية هذه القناة: { $why }. أضف البوت إليها مشرفًا أولًا.
addchannel-not-channel = { $chat } ليست قناة. للمجموعات أرسل /start داخل المجموعة.
addchannel-bot-not-admin = البوت ليس مشرفًا على { $chat } بصلاحية النشر. امنحه ذلك ثم حاول مجددًا.
addchannel-user-not-admin = لست مشرفًا على { $chat }.
addchannel-already = { $chat } ({ $title }) تستلم التنبيهات بالفعل.
addchannel-ok = ستستلم القناة { $chat } ({ $title }، الرقم { $id }) التنبيهات. الأمر /removechannel { $chat } يوقفها.
removechannel-usage = حدّد القناة: /removechannel @اسم أو /removechannel -100…
removechannel-ok = لن تستلم { $chat } تنبيهات بعد الآن.
removechannel-not-subscribed = { $chat } ليست قناة تستلم التنبيهات.
