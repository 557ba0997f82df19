### Errors and refusals, the commands' descriptions (menu and /help), /help.

error-generic = Désolé, un problème est survenu ; réessayez plus tard.
error-admin-check-failed = Je n'ai pas pu vérifier si vous êtes administrateur de ce chat : Telegram n'a pas répondu. Veuillez réessayer dans un instant.
error-not-command = Je ne comprends que les commandes. Envoyez /help pour les voir.
error-unknown-command = Commande inconnue { $cmd }. Envoyez /help pour la liste.
error-admins-only = Désolé, { $cmd } est réservé aux administrateurs.
error-organizers-only = Désolé, { $cmd } est réservé aux organisateurs.
cmd-start = Abonner ce chat aux alertes d'appels
cmd-stop = Désabonner ce chat et l'oublier
cmd-help = Ce que fait ce bot et ses commandes
cmd-feeds = La liste des flux partenaires
cmd-follow = Ne recevoir que certaines alertes : /follow 3 #tag don fr
cmd-unfollow = Ne plus suivre : /unfollow ÉLÉMENT ou /unfollow all
cmd-mute = Mettre les alertes en pause : /mute 2h, /mute off
cmd-settings = Ce que reçoit ce chat
cmd-remind = Rappels avant l'événement d'une alerte : /remind on, /remind off
cmd-language = Langue du bot : /language en|ar|fr|auto
cmd-addfeed = Ajouter un flux : /addfeed URL [#tag …] [mode=all] [nom]
cmd-editfeed = Modifier un flux : /editfeed ID [#tag …] [mode=all|appeals] [name=NOM]
cmd-removefeed = Retirer un flux : /removefeed ID|URL
cmd-preview = Ce que les abonnés recevraient d'un flux maintenant
cmd-addchannel = Envoyer les alertes à une chaîne : /addchannel @nom
cmd-removechannel = Arrêter les alertes à une chaîne : /removechannel @nom
cmd-export = Les flux dans un fichier OPML
cmd-import = Répondre à un fichier OPML pour ajouter ses flux
cmd-stats = Abonnés, flux, alertes envoyées
cmd-wrong = En réponse à une alerte : ce n'était pas un appel
cmd-send = Envoyer un appel que le détecteur a manqué : /send URL
cmd-grant = Faire d'un utilisateur un organisateur : /grant USER_ID
cmd-revoke = Retirer les droits d'organisateur : /revoke USER_ID
help-intro =
    solibot vous envoie les appels des organisations partenaires : pétitions, appels aux dons, manifestations, veillées, déclarations qui demandent aux responsables d'agir.

    Commandes :
help-line = { $cmd } — { $what }
help-choices = Pour ne recevoir que certaines alertes, suivez avec /follow un flux (son numéro dans /feeds), un hashtag (#Alep), une action (signer, don, contacter, mobiliser, partager, bénévolat, boycott) ou une langue (en, ar, fr, …). Ne rien suivre, c'est tout recevoir.
help-organizers = Organisateurs : /feeds montre l'état de chaque flux ; un flux en panne depuis longtemps vous est signalé une fois, puis de nouveau quand il remarche.
