use super::semicolon_list;

#[test]
fn semicolon_lists_of_names_count_as_signatories() {
    let names = "Signataires : Amitié des deux rives (France) ; Maison du Levant (Suisse) ; \
                 Réseau des femmes (Yémen) ; Coalition Mer Rouge (Belgique)";
    assert_eq!(semicolon_list(names), 4);
    // Three parts are a sentence with semicolons, not a list.
    assert_eq!(semicolon_list("Il pleut ; Il vente ; Il neige"), 0);
    // A needs list is written in lower case.
    assert_eq!(
        semicolon_list("lait ; couches ; duvets ; savon ; Tickets de bus"),
        0
    );
}
