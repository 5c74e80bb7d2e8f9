/* The French wording of the pages' messages (messages.h). */
#include "web/messages.h"

static const char *const fr[WEB_MSG_COUNT] = {
    [WEB_MSG_SCENARIO_NOT_FOUND] = "Ce scénario n'existe pas.",
    [WEB_MSG_SCENARIO_GONE] = "Ce scénario n'existe plus.",
    [WEB_MSG_ACTION_NOT_FOUND] = "Cette action n'existe pas.",
    [WEB_MSG_SCENARIO_LIST_FAILED] = "La liste des scénarios n'a pas pu être lue.",
    [WEB_MSG_SCENARIO_READ_FAILED] = "Le scénario n'a pas pu être lu.",
    [WEB_MSG_SCENARIO_SAVE_FAILED] = "Le scénario n'a pas pu être enregistré.",
    [WEB_MSG_SCENARIO_DELETE_FAILED] = "Le scénario n'a pas pu être supprimé.",
    [WEB_MSG_SCENARIO_REREAD_FAILED] = "Le scénario n'a pas pu être relu.",
    [WEB_MSG_SCENARIO_UNREADABLE] = "Le scénario enregistré est illisible.",
    [WEB_MSG_SCENARIO_NOT_EVALUABLE] = "Le scénario ne peut pas être évalué.",
    [WEB_MSG_SCENARIO_NAME_INVALID] = "Nom de scénario invalide.",
    [WEB_MSG_SCENARIO_NAME_MISSING] = "Donnez un nom au scénario.",
    [WEB_MSG_COMPARE_SAME_PROFESSION] = "Seuls des scénarios de la même profession se comparent.",
    [WEB_MSG_COMPARE_NONE] = "Choisissez au moins un scénario à comparer (paramètres a et b).",
    [WEB_MSG_DB_BUSY] = "La base de données est occupée. Réessayez dans quelques secondes.",
    [WEB_MSG_PROFESSION_UNKNOWN] = "Profession inconnue : choisissez mg, inf, mk, sf ou cd.",
    [WEB_MSG_API_PROFESSION] = "« profession » : mg, inf, mk, sf ou cd.",
    [WEB_MSG_API_NAME] = "« name » : chaîne attendue.",
    [WEB_MSG_API_ACTIONS] = "« actions » : liste attendue.",
    [WEB_MSG_API_JSON_BODY] = "Corps de requête JSON attendu.",
    [WEB_MSG_COMMUNE_NOT_IN_TERRITORY] = "Cette commune ne fait pas partie du territoire.",
    [WEB_MSG_SORT_UNKNOWN] = "Tri inconnu : nom, population, praticiens, valeur ou officiel.",
    [WEB_MSG_EPCI_SORT_UNKNOWN] = "Tri des EPCI inconnu.",
    [WEB_MSG_ORDER_UNKNOWN] = "Ordre inconnu : asc ou desc.",
    [WEB_MSG_MEASURE_UNKNOWN] = "Mesure inconnue : choisissez dans la liste proposée.",
    [WEB_MSG_MEASURE_UNKNOWN_API] = "Mesure inconnue : apl, officiel, 2sfca, g2sfca, 3sfca, bfca, gravity, cumulative ou nearest.",
    [WEB_MSG_OBJECTIVE_UNKNOWN] = "Objectif inconnu : deficit, lifted, coverage ou pmedian.",
    [WEB_MSG_DIFF_NEEDS_SCENARIO] = "La carte des écarts demande un scénario (paramètre scenario).",
    [WEB_MSG_PLAN_SAVE_FIELDS] = "Il faut un nom, une profession et les actions du plan.",
    [WEB_MSG_PLAN_ACTIONS_UNREADABLE] = "Actions du plan illisibles.",
    [WEB_MSG_OUT_OF_MEMORY] = "Mémoire insuffisante.",
    [WEB_MSG_SERVER_ERROR] = "Le serveur a rencontré une erreur. Réessayez plus tard.",
    [WEB_MSG_PAGE_OUT_OF_RANGE] = "Cette page de la liste n'existe pas.",
    [WEB_MSG_CONFIRM_DELETE_SCENARIO] = "Supprimer ce scénario ? Cette action est définitive.",
    [WEB_MSG_CONFIRM_DELETE_ACTION] = "Retirer cette action du scénario ?",
    [WEB_MSG_FORM_HAS_ERRORS] = "Le formulaire contient des erreurs : corrigez les champs signalés.",
};

const char *web_msg_fr(web_msg m)
{
    return (unsigned)m < WEB_MSG_COUNT && fr[m] ? fr[m] : fr[WEB_MSG_SERVER_ERROR];
}
