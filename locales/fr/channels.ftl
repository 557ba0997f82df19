### Channels: /addchannel, /removechannel.

addchannel-usage = Indiquez la chaîne : /addchannel @nom ou /addchannel -100… (ajoutez d'abord le bot comme administrateur de la chaîne).
channel-not-found = Je ne vois pas cette chaîne : { $why }. Ajoutez-y d'abord le bot comme administrateur.
addchannel-not-channel = { $chat } n'est pas une chaîne. Pour un groupe, envoyez /start dans le groupe.
addchannel-bot-not-admin = Le bot n'est pas administrateur de { $chat } avec le droit de publier. Donnez-lui ce droit, puis réessayez.
addchannel-user-not-admin = Vous n'êtes pas administrateur de { $chat }.
addchannel-already = { $chat } ({ $title }) reçoit déjà les alertes.
addchannel-ok = La chaîne { $chat } ({ $title }, id { $id }) recevra les alertes. /removechannel { $chat } les arrête.
removechannel-usage = Indiquez la chaîne : /removechannel @nom ou /removechannel -100…
removechannel-ok = { $chat } ne recevra plus d'alertes.
removechannel-not-subscribed = { $chat } n'est pas une chaîne qui reçoit les alertes.
