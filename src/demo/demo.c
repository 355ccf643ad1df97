/*
 * demo.c — a deterministic corpus of social-listening messages.
 *
 * clientele.demo_messages(n, seed, day) returns n fake but realistic posts
 * about 24 fictional brands (8 cosmetics, 8 food, 8 cars), in French (~60%)
 * and English (~40%), as seen by a social-listening tool: tweets, Instagram
 * and Facebook posts and customer reviews, spread over one UTC day.
 *
 * The mix.  Each row has a kind: opinion (~55%: 48% positive, 38% negative,
 * 6% mixed labelled with their dominant side, 4% ironic, 4% neutral),
 * question (~10%), news (~5%, brand announcements and promotions posted
 * by the brand), spam (~10%, fake giveaways, phishing, counterfeit deals),
 * job (~5%, job offers) and chatter (~15%, weather, football, personal
 * life; no brand).  Bodies are
 * assembled from per-language templates and slot fillers (brand, product
 * with its French gender, agreed adjectives, intensifiers, prices, cities,
 * emoji, hashtags, @mentions, URLs), then roughened like real user text:
 * SMS French and English text-speak, accents dropped in ~15% of French
 * messages, elongations ("trooop", "sooo"), a word or clause in capitals,
 * typos.  `intent` is the sentiment the generator meant to write: mixed
 * messages are labelled with their dominant side, ironic ones negative,
 * news/spam/job and most questions neutral, chatter by what it says.
 *
 * Duplicates.  About 4% of rows are planted near-duplicates whose dup_of
 * names an earlier row: retweets ("RT @author: " + body), copy-paste
 * campaigns (the same text with an emoji, hashtag, punctuation or one word
 * changed) and bot floods.  Floods are placed per block of 1,000 ids: a
 * block holds one with probability 3/4, a spam "head" row followed by
 * 10-30 rows copying it with tiny variations.  Other rows become a
 * retweet or copy with probability 2.5%, of an earlier row that is not
 * itself a duplicate.
 *
 * Determinism.  Row i depends only on (seed, i, day): its random stream is
 * a xoshiro256** generator seeded through splitmix64 from hash(seed, i);
 * whether a row is a duplicate, and of which row, comes from separate
 * hashes of (seed, i) and of (seed, block).  A duplicate regenerates its
 * original from the original's index and alters it, so any row can be
 * produced on its own, in any order, with constant memory: the function
 * is a value-per-call SRF and streams n = 5,000,000 rows as easily as 10.
 * No libc random numbers, no global state; the text is UTF-8.
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "textcore.h"
#include "demo_random.h"

PG_FUNCTION_INFO_V1(clientele_demo_messages);

#define DEMO_MAX_ROWS		100000000
#define FLOOD_BLOCK			1000	/* ids per flood block */
#define FLOOD_PERMILLE		750		/* blocks with a flood, per 1000 */
#define DUP_PER_100K		2500	/* retweets and copies, per 100,000 rows */

/* Salts separating the independent hash streams of a row. */
#define SALT_ROW		UINT64CONST(0x243F6A8885A308D3)
#define SALT_DUP		UINT64CONST(0x13198A2E03707344)
#define SALT_FLOOD		UINT64CONST(0xA4093822299F31D0)
#define SALT_VARIANT	UINT64CONST(0x082EFA98EC4E6C89)

enum {LANG_FR, LANG_EN};
enum {K_OPINION, K_QUESTION, K_NEWS, K_SPAM, K_JOB, K_CHATTER};
enum {I_POS, I_NEG, I_NEU};
enum {CH_TWITTER, CH_INSTAGRAM, CH_FACEBOOK, CH_REVIEWS};
enum {G_M, G_F, G_MPL, G_FPL};	/* French gender/number of a product */

static const char *const kind_names[] = {"opinion", "question", "news", "spam", "job", "chatter"};
static const char *const intent_names[] = {"positive", "negative", "neutral"};
static const char *const channel_names[] = {"twitter", "instagram", "facebook", "reviews"};
static const char *const lang_names[] = {"fr", "en"};
static const char *const sector_names[] = {"cosmetics", "food", "cars"};

/* ------------------------------------------------------------------------
 * Random numbers
 * ------------------------------------------------------------------------ */

/* Index drawn from integer weights w[0..n-1]. */
static int
rng_weighted(Rng *r, const int *w, int n)
{
	int			total = 0,
				k,
				x;

	for (k = 0; k < n; k++)
		total += w[k];
	x = rng_below(r, total);
	for (k = 0; k < n - 1; k++)
	{
		if (x < w[k])
			return k;
		x -= w[k];
	}
	return n - 1;
}

/* ------------------------------------------------------------------------
 * Phrase material
 *
 * Templates are plain UTF-8 with %-slots expanded by expand():
 *   %b brand  %B "de/d'<brand>" or "from <brand>"  %h brand hashtag
 *   %a @brand  %k competitor brand
 *   %p product  %l the product  %P this product  %V is/are  %O it/them
 *   %L it/they  %G %N adjective (positive/negative) agreed with the product
 *   %g %n adjective, invariant  %i intensifier  %e %f %E emoji (positive,
 *   negative, neutral)  %m @someone  %u URL  %d 2-9  %D 10-70  %x price
 *   %c city  %w when  %r where (by sector)  %j job title (by sector)
 *   %T football club ("du PSG" in French)  %% a percent sign.
 * Tables whose entries carry their own intent start each entry with '+',
 * '-' or '~' (neutral).
 * ------------------------------------------------------------------------ */

typedef struct Tab
{
	const char *const *v;
	int			n;
} Tab;

#define TAB(a) {a, lengthof(a)}

typedef struct Brand
{
	const char *name;
	const char *handle;
	const char *tag;
	const char *domain;
} Brand;

/* 8 brands per sector, in sector order. */
static const Brand brands[24] = {
	{"Lumière Paris", "lumiereparis", "#LumiereParis", "lumiere-paris.fr"},
	{"GlowCo", "glowco", "#GlowCo", "glowco.com"},
	{"Belle Nature", "bellenature_off", "#BelleNature", "bellenature.fr"},
	{"Aurelia", "aurelia_beauty", "#Aurelia", "aurelia-beauty.com"},
	{"Rosélia", "roselia_cosmetics", "#Roselia", "roselia.fr"},
	{"Pure Skin Lab", "pureskinlab", "#PureSkinLab", "pureskinlab.com"},
	{"Éclat Céleste", "eclatceleste", "#EclatCeleste", "eclat-celeste.fr"},
	{"Nuance Studio", "nuancestudio", "#NuanceStudio", "nuancestudio.com"},
	{"Crunchoc", "crunchoc", "#Crunchoc", "crunchoc.fr"},
	{"Nutrio", "nutrio_fr", "#Nutrio", "nutrio.com"},
	{"Biscuiterie Morel", "biscuiteriemorel", "#BiscuiterieMorel", "biscuiterie-morel.fr"},
	{"Laiterie des Prés", "laiteriedespres", "#LaiterieDesPres", "laiterie-des-pres.fr"},
	{"Café Solano", "cafesolano", "#CafeSolano", "cafesolano.com"},
	{"Yumi", "yumi_snacks", "#Yumi", "yumi-snacks.com"},
	{"Petit Fermier", "petitfermier", "#PetitFermier", "petitfermier.fr"},
	{"GoldenOats", "goldenoats", "#GoldenOats", "goldenoats.com"},
	{"Voltra", "voltra_auto", "#Voltra", "voltra.com"},
	{"Renova", "renova_fr", "#Renova", "renova-auto.fr"},
	{"Kaito", "kaito_motors", "#Kaito", "kaito-motors.com"},
	{"Stellan", "stellan_cars", "#Stellan", "stellan.com"},
	{"Brisa", "brisa_auto", "#Brisa", "brisa-auto.com"},
	{"Nordvik", "nordvik_official", "#Nordvik", "nordvik.com"},
	{"Cavallo", "cavallo_it", "#Cavallo", "cavallo-auto.com"},
	{"Ondine", "ondine_auto", "#Ondine", "ondine-automobiles.fr"},
};

typedef struct Product
{
	const char *fr;				/* noun */
	const char *fr_def;			/* with definite article */
	const char *fr_dem;			/* with demonstrative */
	int			g;				/* G_M .. G_FPL */
	const char *en;				/* noun */
	bool		en_pl;			/* English plural? */
} Product;

static const Product products_cosmetics[] = {
	{"rouge à lèvres", "le rouge à lèvres", "ce rouge à lèvres", G_M, "lipstick", false},
	{"mascara", "le mascara", "ce mascara", G_M, "mascara", false},
	{"fond de teint", "le fond de teint", "ce fond de teint", G_M, "foundation", false},
	{"crème hydratante", "la crème hydratante", "cette crème hydratante", G_F, "moisturiser", false},
	{"parfum", "le parfum", "ce parfum", G_M, "perfume", false},
	{"sérum", "le sérum", "ce sérum", G_M, "serum", false},
	{"vernis", "le vernis", "ce vernis", G_M, "nail polish", false},
	{"palette", "la palette", "cette palette", G_F, "eyeshadow palette", false},
	{"crème solaire", "la crème solaire", "cette crème solaire", G_F, "sunscreen", false},
	{"shampoing", "le shampoing", "ce shampoing", G_M, "shampoo", false},
};

static const Product products_food[] = {
	{"pâte à tartiner", "la pâte à tartiner", "cette pâte à tartiner", G_F, "chocolate spread", false},
	{"yaourt", "le yaourt", "ce yaourt", G_M, "yoghurt", false},
	{"biscuits", "les biscuits", "ces biscuits", G_MPL, "biscuits", true},
	{"café", "le café", "ce café", G_M, "coffee", false},
	{"céréales", "les céréales", "ces céréales", G_FPL, "cereal", false},
	{"barres chocolatées", "les barres chocolatées", "ces barres chocolatées", G_FPL, "chocolate bars", true},
	{"capsules de café", "les capsules de café", "ces capsules de café", G_FPL, "coffee pods", true},
	{"glace", "la glace", "cette glace", G_F, "ice cream", false},
	{"cookies", "les cookies", "ces cookies", G_MPL, "cookies", true},
	{"crème dessert", "la crème dessert", "cette crème dessert", G_F, "dessert pot", false},
};

static const Product products_cars[] = {
	{"SUV", "le SUV", "ce SUV", G_M, "SUV", false},
	{"citadine électrique", "la citadine électrique", "cette citadine électrique", G_F, "electric hatchback", false},
	{"concession", "la concession", "cette concession", G_F, "dealership", false},
	{"service après-vente", "le service après-vente", "ce service après-vente", G_M, "after-sales service", false},
	{"hybride", "l'hybride", "cette hybride", G_F, "hybrid", false},
	{"batterie", "la batterie", "cette batterie", G_F, "battery", false},
	{"borne de recharge", "la borne de recharge", "cette borne de recharge", G_F, "home charger", false},
	{"écran tactile", "l'écran tactile", "cet écran tactile", G_M, "touchscreen", false},
	{"break", "le break", "ce break", G_M, "estate car", false},
	{"essai", "l'essai", "cet essai", G_M, "test drive", false},
};

/* Each brand's line-up: four product indexes of its sector (repeats weigh more). */
static const uint8 lineup[24][4] = {
	{0, 1, 2, 4}, {2, 5, 7, 1}, {3, 5, 8, 9}, {4, 0, 3, 5},
	{0, 6, 7, 4}, {5, 3, 8, 2}, {4, 7, 1, 0}, {7, 0, 6, 1},
	{0, 5, 2, 8}, {4, 1, 5, 9}, {2, 8, 0, 5}, {1, 9, 7, 1},
	{3, 6, 3, 6}, {5, 8, 2, 7}, {1, 9, 0, 4}, {4, 5, 8, 4},
	{1, 5, 6, 3}, {0, 4, 2, 3}, {4, 0, 7, 9}, {8, 0, 2, 3},
	{1, 4, 9, 2}, {0, 8, 5, 7}, {0, 9, 2, 7}, {1, 6, 3, 5},
};

typedef struct ProductTab
{
	const Product *v;
	int			n;
} ProductTab;

static const ProductTab products[3] = {
	{products_cosmetics, lengthof(products_cosmetics)},
	{products_food, lengthof(products_food)},
	{products_cars, lengthof(products_cars)},
};

/* French adjectives: masculine, feminine, masculine plural, feminine plural. */
static const char *const fr_adj_pos[][4] = {
	{"génial", "géniale", "géniaux", "géniales"},
	{"top", "top", "top", "top"},
	{"parfait", "parfaite", "parfaits", "parfaites"},
	{"incroyable", "incroyable", "incroyables", "incroyables"},
	{"super", "super", "super", "super"},
	{"excellent", "excellente", "excellents", "excellentes"},
	{"bon", "bonne", "bons", "bonnes"},
	{"canon", "canon", "canon", "canon"},
	{"ouf", "ouf", "ouf", "ouf"},
	{"magnifique", "magnifique", "magnifiques", "magnifiques"},
	{"efficace", "efficace", "efficaces", "efficaces"},
	{"sublime", "sublime", "sublimes", "sublimes"},
	{"au top", "au top", "au top", "au top"},
};

static const char *const fr_adj_neg[][4] = {
	{"nul", "nulle", "nuls", "nulles"},
	{"décevant", "décevante", "décevants", "décevantes"},
	{"horrible", "horrible", "horribles", "horribles"},
	{"raté", "ratée", "ratés", "ratées"},
	{"mauvais", "mauvaise", "mauvais", "mauvaises"},
	{"cher", "chère", "chers", "chères"},
	{"bof", "bof", "bof", "bof"},
	{"nul à chier", "nulle à chier", "nuls à chier", "nulles à chier"},
	{"catastrophique", "catastrophique", "catastrophiques", "catastrophiques"},
	{"moche", "moche", "moches", "moches"},
	{"abusé", "abusée", "abusés", "abusées"},
	{"dégueu", "dégueu", "dégueu", "dégueu"},
	{"pourri", "pourrie", "pourris", "pourries"},
};

static const char *const en_adj_pos[] = {
	"amazing", "great", "perfect", "awesome", "brilliant", "fab", "gorgeous", "lovely",
	"excellent", "the best", "fire", "legit", "spot on", "incredible", "top",
};

static const char *const en_adj_neg[] = {
	"awful", "disappointing", "terrible", "rubbish", "bad", "overpriced", "meh", "useless",
	"shocking", "horrible", "trash", "garbage", "crap", "poor", "dodgy", "a rip-off",
};

static const char *const fr_intens[] = {"très", "trop", "vraiment", "super", "hyper", "tellement", "vachement", "trop trop", "franchement", "carrément", "grave"};
static const char *const en_intens[] = {"really", "so", "super", "very", "totally", "extremely", "proper", "well", "absolutely", "seriously", "soooo"};

static const char *const emoji_pos[] = {"😍", "👍", "❤️", "🔥", ":)", "<3", "xD", "😊", "🥰", "👌", "💯", "✨", "🙌", "😋", "🤩", ":-)", ":D", "^^", "💕", "😁", "👏", "💖", "🙏", ";)"};
static const char *const emoji_neg[] = {"🤮", "😡", "😭", "👎", ":(", "🙄", "😤", "😠", "😒", "💔", "😩", "😞", ":-(", ">:(", "🤬", "😢", "-_-", ":'(", "🤢", "😑", "🤡", "💩"};
static const char *const emoji_neu[] = {"🤔", "👀", "📢", "🤷", "📍", "👉", "⬇️", "😅", "🙃", "☕", "🚗", "💄", "🍫", "📦", "🗓️"};

static const char *const fr_cities[] = {
	"Paris", "Lyon", "Marseille", "Lille", "Bordeaux", "Nantes", "Toulouse", "Strasbourg",
	"Rennes", "Nice", "Montpellier", "Grenoble", "Dijon", "Bruxelles", "Genève", "Montréal",
};
static const char *const en_cities[] = {
	"London", "Manchester", "Leeds", "Dublin", "Bristol", "Glasgow", "Birmingham", "Cardiff",
	"Liverpool", "Edinburgh", "Brighton", "Sheffield", "Newcastle", "Cork",
};
static const char *const fr_when[] = {"ce matin", "hier", "hier soir", "la semaine dernière", "ce midi", "avant-hier", "ce week-end", "tout à l'heure", "lundi", "samedi"};
static const char *const en_when[] = {"this morning", "yesterday", "last night", "last week", "at lunch", "the other day", "this weekend", "earlier", "on Monday", "on Saturday"};
static const char *const fr_clubs[] = {"du PSG", "de l'OM", "de l'OL", "du Stade Rennais", "d'Arsenal", "du Real"};
static const char *const en_clubs[] = {"Arsenal", "Liverpool", "Chelsea", "Spurs", "PSG", "Real Madrid"};

static const char *const fr_where_cos[] = {"en parfumerie", "en pharmacie", "sur leur site", "chez Beauté Plus", "en grande surface"};
static const char *const fr_where_food[] = {"au supermarché", "à la supérette", "au drive", "en épicerie bio", "sur Internet"};
static const char *const fr_where_car[] = {"en concession", "au garage", "sur leur site", "près de chez moi"};
static const char *const en_where_cos[] = {"at the pharmacy", "in store", "on their website", "at the beauty counter", "at the big supermarket"};
static const char *const en_where_food[] = {"at the supermarket", "at the corner shop", "online", "at the organic shop", "in click and collect"};
static const char *const en_where_car[] = {"at the dealership", "at the garage", "on their website", "near me"};

static const char *const fr_jobs_cos[] = {"conseiller·ère beauté", "chef de produit maquillage", "formulateur·rice cosmétique", "responsable boutique", "community manager"};
static const char *const fr_jobs_food[] = {"responsable qualité", "commercial·e GMS", "opérateur·rice de production", "chef de ligne", "technicien·ne de maintenance"};
static const char *const fr_jobs_car[] = {"technicien·ne après-vente", "vendeur·se automobile", "ingénieur·e batterie", "carrossier·ère", "conseiller·ère service"};
static const char *const en_jobs_cos[] = {"beauty advisor", "makeup product manager", "cosmetic chemist", "store manager", "social media manager"};
static const char *const en_jobs_food[] = {"quality manager", "key account manager", "production operator", "line supervisor", "maintenance technician"};
static const char *const en_jobs_car[] = {"after-sales technician", "car sales executive", "battery engineer", "body shop technician", "service advisor"};

static const char *const shorteners[] = {"bit.ly", "t.co", "tinyurl.com", "ow.ly"};
static const char *const spam_domains[] = {"bit.ly", "promo-deals.shop", "free-gift.club", "tinyurl.com", "cadeau-gratuit.xyz", "win-now.top", "super-offre.biz", "t.co"};

/* --- French opinions ---------------------------------------------------- */

static const char *const fr_open[] = {
	"bon", "franchement", "alors", "honnêtement",
	"bref",
	"petit avis sur %b :",
	"mon avis :",
	"perso",
	"alors là",
	"je dois dire,",
	"sérieusement",
	"petit retour d'expérience :",
	"update :",
	"pour info",
	"ok",
	"écoutez,",
	"bon ben",
	"ptdr",
};

static const char *const fr_pos[] = {
	"%P %V %i %G",
	"j'adore %l %B",
	"%b c'est %i %g",
	"je %Oadore, %l %b %V %G",
	"franchement rien à dire, %l %B %V %G",
	"%l %B, c'est une tuerie",
	"coup de cœur pour %l %B",
	"meilleur achat de l'année : %l %B",
	"%b ne m'a jamais déçue",
	"%b ne m'a jamais déçu",
	"je suis fan de %l %B",
	"%i contente de %l %B",
	"%i content de mon achat chez %b",
	"%b, toujours au top",
	"rapport qualité prix imbattable chez %b",
	"enfin une marque qui tient ses promesses, merci %b",
	"testé et approuvé : %l %B",
	"je valide à 100%% %l %B",
	"%P, c'est le bonheur",
	"je suis conquise par %l %B",
	"bluffée par %l %B",
	"bluffé par %l %B",
	"%b a encore frappé, %l %V %G",
	"%l %B %V une pure merveille",
	"service client %b au top, réponse en 10 minutes",
	"grosse surprise %w, %l %B %V %i %G",
	"c'est mon troisième achat chez %b et toujours aussi satisfaite",
	"%b assure grave",
	"rien à redire, %b fait du super boulot",
	"je ne peux plus me passer %B",
	"j'ai craqué pour %l %B et je ne regrette pas",
	"%b, je dis oui",
	"bravo %b, vous avez tout compris",
	"merci %a, %l %V %G",
	"ma sœur m'a fait découvrir %b, je suis conquise",
	"team %b pour toujours",
	"on en parle %B ? %l %V %G",
	"bien mieux que %k, %l %B",
	"j'ai testé %k et %b, y a pas photo : %b gagne",
	"%P vaut chaque centime",
	"j'étais sceptique mais %l %B %V %G",
	"pas déçue du tout par %b",
	"aucun regret, %l %B %V %G",
	"depuis que j'ai découvert %b je ne vais plus ailleurs",
	"qualité au rendez-vous chez %b",
	"ça change la vie, %l %B",
	"%l %B ? une dinguerie",
	"petit plaisir du jour : %l %B",
	"j'adore trop %b",
	"%b c'est la vie",
	"je suis %i satisfaite de %b",
	"je suis %i satisfait de %b",
	"mon avis sur %l %B : %G, tout simplement",
	"%b m'a fait gagner un temps fou",
	"%b c'est du sérieux",
	"10/10 pour %l %B",
};

static const char *const fr_neg[] = {
	"%P %V %i %N",
	"je n'aime pas %l %B",
	"%b c'est %n",
	"plus jamais %B, %l %V %N",
	"%l %B, c'est pas terrible",
	"vraiment déçue par %l %B",
	"vraiment déçu par %b",
	"jsuis déçue, %l %B %V %N",
	"arnaque totale chez %b",
	"%x pour ça ?? c'est du vol",
	"%b, la qualité a bien baissé",
	"ça ne vaut pas le prix, %l %B",
	"n'achetez pas %l %B",
	"je ne recommande pas du tout %b",
	"service client %b injoignable depuis %d jours",
	"%d jours que j'attends une réponse de %a",
	"%P %V une honte",
	"%b se moque de ses clients",
	"honteux de la part %B",
	"je ne comprends pas les avis positifs sur %l %B",
	"%b m'a bien eue",
	"je regrette mon achat chez %b",
	"quelle déception %l %B",
	"%l %B ? ça ne vaut rien",
	"catastrophe, %l %B",
	"c'est pas possible d'être aussi nul, %b",
	"%b c'est fini pour moi",
	"aucun intérêt, %l %B",
	"franchement %b vous abusez",
	"%k c'est bien mieux que %b",
	"avant j'aimais bien %b mais là c'est non",
	"rien à voir avec la pub, %l %B %V %N",
	"%b, plus jamais ça",
	"le service client %B ne répond jamais",
	"%b m'a raccroché au nez",
	"remboursement refusé par %b, merci pour rien",
	"ça fait %d semaines que j'attends, %b bougez-vous",
	"%b ne tient pas ses promesses",
	"je déconseille fortement %l %B",
	"pas du tout conforme à la description, %l %B",
	"%P %V pas terrible du tout",
	"pas fan de %l %B",
	"je n'ai pas aimé %l %B",
	"j'ai pas aimé du tout %l %B",
	"%b vous avez perdu une cliente",
	"%b vous avez perdu un client",
	"mauvaise expérience avec %b",
	"%b = arnaque",
	"qualité médiocre, prix exorbitant : merci %b",
	"c'est n'importe quoi chez %b",
	"je n'achèterai plus jamais %b",
	"la pire expérience de ma vie avec %b",
	"%b je vous déteste",
	"ça ne sert à rien, %l %B",
	"j'ai honte d'avoir payé %x pour %l %B",
};

static const char *const fr_mixed[] = {
	"-joli mais trop cher",
	"+un peu cher mais %l %V %G",
	"-%l %B %V %G mais franchement trop cher",
	"+pas parfait mais pour le prix %l %B %V %G",
	"-bon produit mais le service client %B est nul",
	"-j'aimais bien %b avant mais la qualité a baissé",
	"+au début j'étais pas fan mais finalement %l %B %V %G",
	"-la pub est belle mais %l %V %N",
	"+livraison un peu lente mais ça valait le coup, %l %B",
	"-%b c'est beau sur le papier mais dans la réalité bof",
	"+pas donné mais ça vaut le coup",
	"-super idée mais pas au point, %l %B",
	"-%l %B %V %G mais impossible à trouver %r",
	"+quelques défauts mais j'adore %l %B",
	"-j'adore %b mais là ils ont raté %l",
	"+le SAV a mis du temps mais ils ont tout réglé, merci %b",
	"-joli packaging mais rien dedans, %b",
	"-bon rapport qualité prix mais ça ne dure pas",
	"+ça pique un peu au début mais on s'habitue vite, top %b",
	"-prix correct mais je ne rachèterai pas %l %B",
};

static const char *const fr_mixed_cos[] = {
	"-joli mais ça a tourné au bout d'une semaine",
	"-belle couleur mais ça ne tient pas",
	"+l'odeur est un peu forte mais la tenue est parfaite, %b",
	"-texture agréable mais zéro résultat sur ma peau",
	"+cher mais le parfum %b tient toute la journée",
	"-joli flacon mais le parfum %b tourne vite",
	"+un peu sec au début mais le mascara %b allonge trop bien",
	"-bonne tenue mais ça dessèche les lèvres, %b",
};

static const char *const fr_mixed_food[] = {
	"+pas donné mais le goût est là",
	"-bon goût mais beaucoup trop sucré",
	"+un peu cher mais les biscuits %b sont trop bons",
	"-le café %b est bon mais les capsules coûtent une fortune",
	"+moins crémeux qu'avant mais toujours bon, %b",
	"-c'est bon mais il y a de moins en moins dans le paquet %b",
	"+la recette a changé mais j'adore toujours %b",
};

static const char *const fr_mixed_car[] = {
	"-belle voiture mais le SAV est une catastrophe",
	"+voiture géniale mais l'attente à la concession %b était longue",
	"-belle voiture mais l'autonomie réelle est décevante",
	"+un peu chère mais la %b vaut chaque euro",
	"-confortable mais l'écran de la %b bugue sans arrêt",
	"+le SAV %b est lent mais la voiture est top",
	"-design sympa mais finitions en plastique cheap, %b",
};

static const char *const fr_pos_more[] = {
	"%L %V %i %G",
	"je rachète sans hésiter",
	"j'en rachète dès demain",
	"tout le monde devrait essayer",
	"je l'offre à toute ma famille",
	"%i bon plan",
	"ça vaut le coup",
	"on sent la qualité",
	"c'est %g",
	"bravo à l'équipe %B",
	"ma nouvelle obsession",
	"je suis refaite",
};

static const char *const fr_neg_more[] = {
	"%L %V %i %N",
	"je ne rachèterai pas",
	"c'est %n",
	"j'ai perdu mon argent",
	"je suis %i déçue",
	"je suis %i déçu",
	"on se fout de nous",
	"ça ne vaut pas un clou",
	"c'est la dernière fois",
	"ils s'en fichent complètement",
	"c'est du grand n'importe quoi",
	"je vais écrire à la répression des fraudes",
};

static const char *const fr_irony[] = {
	"génial, encore un retard %f",
	"merci %b pour ce chef-d'œuvre, bravo 🙄",
	"bravo %b, encore un colis perdu 👏",
	"super, %l %B, quelle réussite 🙄",
	"trop bien, le service client %B me met en attente depuis 45 minutes",
	"merci %b de m'avoir fait découvrir les allergies",
	"génial, %x pour un produit qui casse au bout de 3 jours",
	"quelle joie d'appeler le SAV %b tous les jours",
	"ah ben bravo %b, c'est du beau travail 🙄",
	"incroyable, %b a réussi à rendre %l encore pire",
	"j'adore attendre 3 semaines pour une réponse de %b, vraiment",
	"top le service %B, on ne le dira jamais assez 🙃",
	"magnifique, le mascara %b me fait des yeux de panda",
	"vive %b et ses promos qui n'existent pas en magasin",
	"génial la nouvelle recette %B... si on aime le carton",
	"encore bravo %b pour cette expérience inoubliable 🙄",
};

static const char *const fr_neu[] = {
	"~%l de %b, ni bien ni mal",
	"~ça fait le job, sans plus",
	"~%l %B, ni bien ni mal",
	"~bof, %l %B %V correct",
	"~%l %B, rien d'extraordinaire",
	"~pas mal mais pas ouf non plus, %b",
	"~%b, c'est comme les autres",
	"~je ne vois pas trop la différence avec %k",
	"~%l %B, un produit classique",
	"~ni déçue ni emballée par %b",
	"~normal quoi, %l %B",
	"~moyen, %l %B",
	"~je reste mitigée sur %l %B",
	"~ça dépend des jours avec %b",
	"~je n'ai pas d'avis tranché sur %l %B",
};

static const char *const fr_pos_cos[] = {
	"ma peau est toute douce grâce à %b",
	"le rouge de %b tient toute la journée",
	"ma peau n'a jamais été aussi belle depuis que j'utilise %b",
	"le teint est lumineux toute la journée avec %b",
	"%b ne pique pas les yeux, enfin un mascara pour les yeux sensibles",
	"l'odeur du parfum %b est divine",
	"je reçois des compliments à chaque fois que je porte le parfum %b",
	"le fond de teint %b est parfait pour ma peau mixte",
	"texture fondante, ça pénètre direct, bravo %b",
	"mes lèvres restent hydratées toute la journée grâce à %b",
	"la palette %b est sublime, les couleurs sont ouf",
	"les cils de ouf avec le mascara %b",
	"zéro bouton depuis que je suis passée à %b",
	"la crème %b sent trop bon",
	"ma routine du soir avec %b, un vrai moment de douceur",
	"le packaging %B est trop beau en plus",
	"tenue parfaite même après le sport, merci %b",
};

static const char *const fr_pos_food[] = {
	"trop bon au petit déj avec %b",
	"les enfants adorent %b",
	"le goûter parfait avec %b",
	"le chocolat %b fond dans la bouche",
	"enfin des biscuits pas trop sucrés, merci %b",
	"%l %b au réveil, le meilleur moment de la journée",
	"je pourrais manger %l %b à la cuillère",
	"les yaourts %b ont un vrai goût de lait de ferme",
	"%b sans huile de palme et toujours aussi bon",
	"meilleur rayon du supermarché : %b",
	"la nouvelle recette %B est encore meilleure",
	"un goût d'enfance, merci %b",
	"%b c'est le réconfort après une longue journée",
	"la liste d'ingrédients %B est courte et claire, j'adore",
	"on a fini le paquet %B en une soirée",
};

static const char *const fr_pos_car[] = {
	"ma %b roule nickel depuis %d ans",
	"l'autonomie de la %b est au top",
	"%d 000 km avec ma %b et pas une panne",
	"conduite souple et silencieuse, la %b est un bonheur",
	"accueil au top à la concession %b",
	"le SAV %b a réglé mon problème en une journée",
	"la recharge de ma %b prend 30 minutes, parfait pour les vacances",
	"essai de la nouvelle %b ce matin, je suis conquis",
	"je viens de récupérer ma %b, trop content",
	"ma %b consomme trois fois rien",
	"le vendeur %b a été d'une patience incroyable",
	"l'intérieur de la %b est super bien fini",
	"ma %b électrique, meilleure décision de l'année",
};


static const char *const fr_neg_cos[] = {
	"%b m'a donné des boutons partout",
	"le mascara %b coule au bout d'une heure",
	"le rouge à lèvres %b file dans les ridules",
	"le fond de teint %b oxyde au bout de deux heures",
	"la crème %b m'a brûlé le visage",
	"%l %b ne tient pas une heure",
	"la palette %b est toute poudreuse, aucune pigmentation",
	"le mascara %b fait des paquets",
	"allergie direct avec la crème %b",
	"le parfum %b sent l'alcool à plein nez",
	"%b teste encore sur les animaux ?? boycott",
	"tout a coulé à cause de la chaleur, merci %b",
	"%l %b laisse un film gras horrible",
	"teinte complètement différente de la photo, %b",
};

static const char *const fr_neg_food[] = {
	"beaucoup trop sucré, %b",
	"j'ai trouvé un cheveu dans %l %B",
	"un goût de plastique, %l %b 🤢",
	"les biscuits %b sont tout mous dès l'ouverture",
	"encore moins de biscuits dans le paquet %b pour le même prix",
	"date de péremption dépassée à l'achat, %l %b",
	"trop d'additifs dans %b, j'arrête",
	"le café %b a un goût de brûlé",
	"%b a changé sa recette et c'est immangeable",
	"la shrinkflation chez %b c'est abusé",
	"mon fils a été malade après %l %B",
	"le paquet %B est à moitié vide",
	"%b plein d'huile de palme, non merci",
	"des morceaux de plastique dans %l %B !!",
};

static const char *const fr_neg_car[] = {
	"ma %b est encore au garage",
	"%d semaines pour un rendez-vous chez %b",
	"ma %b est en panne pour la 3e fois",
	"la batterie de ma %b ne tient pas l'hiver",
	"l'écran de ma %b plante tout le temps",
	"six mois d'attente pour une %b, c'est une blague",
	"le garage %b m'a facturé %x pour rien",
	"impossible de recharger ma %b sur l'autoroute",
	"la concession %b ne rappelle jamais",
	"bruit bizarre dans ma %b depuis la révision",
	"rappel constructeur %b pour la deuxième fois",
	"le vendeur %b m'a menti sur l'autonomie",
	"ma %b neuve a déjà de la rouille",
	"le SAV %b c'est le néant",
};


static const char *const fr_close_pos[] = {
	"je recommande",
	"foncez",
	"merci %b",
	"foncez les yeux fermés",
	"allez-y",
	"je rachèterai c'est sûr",
	"merci %a",
	"validé",
	"10/10",
	"je suis fan",
	"j'en veux encore",
	"c'est tout",
	"vive %b",
};

static const char *const fr_close_neg[] = {
	"je ne recommande pas",
	"plus jamais",
	"remboursez-moi",
	"fuyez",
	"passez votre chemin",
	"plus jamais %B",
	"%a répondez svp",
	"je suis dégoûtée",
	"je suis dégoûté",
	"à éviter",
	"ça me saoule",
	"remboursez svp",
	"honteux",
	"vraiment nul",
};

static const char *const fr_question[] = {
	"~quelqu'un a testé %l %B ?",
	"~on trouve %b où à %c ?",
	"-pourquoi ma commande %b n'est toujours pas arrivée ?",
	"~%l %B, ça vaut le coup ou pas ?",
	"~vous conseillez quoi entre %b et %k ?",
	"~%a vous livrez en Belgique ?",
	"~%b c'est dispo %r ?",
	"~c'est quoi le prix %B en ce moment ?",
	"~des avis sur %l %B ?",
	"~%a c'est quand les soldes ?",
	"~vous avez testé %b ? des retours ?",
	"~%l %B, c'est fabriqué en France ?",
	"~%m tu connais %b ?",
	"~il existe encore %l %B ou c'est arrêté ?",
	"~on peut commander %b en ligne ?",
	"~%a vous recrutez des stagiaires ?",
	"~quelqu'un a un code promo %b ?",
	"~%l %B en rupture partout, c'est normal ?",
	"-pourquoi %b ne répond jamais aux messages ??",
	"-%a pk mon remboursement n'est toujours pas fait ???",
	"-sérieux %b, c'est normal %d semaines d'attente ?",
	"-c'est moi ou %l %B %V devenu %N ?",
	"-%a vous comptez répondre un jour ?",
	"-pourquoi %b a changé la recette ?? c'était mieux avant",
	"+quelqu'un d'autre est aussi fan %B que moi ?",
	"~%l %B, on le trouve %r ?",
	"~%b ou %k, vous prendriez quoi ?",
};

static const char *const fr_news[] = {
	"~nouveau chez %b : découvrez %l ! %u",
	"~-%D%% sur %l %b ce week-end seulement %u",
	"~%b lance sa nouvelle gamme, disponible dès aujourd'hui %r %u",
	"~🎉 jeu concours : tentez de gagner %l %B ! RT + follow %a pour participer %u",
	"~%b ouvre un nouveau magasin à %c ce samedi",
	"~communiqué : %b annonce un partenariat avec %k",
	"~les soldes commencent chez %b : jusqu'à -%D%% %u",
	"~%b s'engage : emballages 100%% recyclables d'ici 2027 %u",
	"~rappel produit : %b retire un lot de %p par précaution %u",
	"~%b présente %l au salon de %c cette semaine",
	"~offre de bienvenue : -%D%% sur votre première commande %b avec le code BIENVENUE %u",
	"~livraison offerte ce week-end sur tout le site %b %u",
	"~%b fête ses %D ans ! merci à vous tous 🎂 %u",
	"~édition limitée : %l %B, en magasin le %d avril",
	"~%b recrute ses ambassadeurs, inscrivez-vous %u",
	"+%b élu produit de l'année %d fois de suite, merci 🙏 %u",
	"~nos horaires changent à %c : ouvert le dimanche dès le mois prochain",
	"~%l %B %V de retour ! %u",
	"~%b baisse ses prix sur %D produits dès lundi",
};

static const char *const fr_spam[] = {
	"~GAGNEZ un iPhone en cliquant ici %u",
	"~%b à -%D%% !!! stock limité %u",
	"~💰 gagnez 500€ par jour depuis chez vous, DM moi 💰 %u",
	"~félicitations vous avez été sélectionné(e) pour recevoir %l %B gratuit %u",
	"~%b GRATUIT 🎁🎁 il suffit de remplir ce formulaire %u",
	"~suivez-moi et je vous suis en retour 🔥 follow back 100%%",
	"~crypto : x10 garanti en 24h, rejoignez le groupe %u",
	"~vends followers pas cher, résultat immédiat %u",
	"~%l %B à 1€ seulement aujourd'hui !!! %u",
	"~votre colis est en attente, réglez les frais de port : %u",
	"~🔥🔥 MEGA PROMO 🔥🔥 %b %k -%D%% sur tout %u",
	"~concours bidon ? non ! cliquez vite %u 🎁",
	"~perdez 10 kg en une semaine grâce à cette astuce %u",
	"~j'ai gagné %x avec cette appli, incroyable %u",
	"~bon d'achat %b de 100€ offert aux 500 premiers %u",
	"~ton compte va être suspendu, vérifie ici %u",
};

static const char *const fr_job[] = {
	"~%b recrute un·e %j à %c, postulez : %u",
	"~offre d'emploi : %j (CDI) chez %b à %c %u",
	"~#emploi #%c %b cherche un·e %j, envoyez votre CV %u",
	"~stage de 6 mois chez %b à %c : %j %u",
	"~on recrute ! %b cherche %d %j pour son site de %c %u",
	"~alternance %j chez %b, rentrée de septembre %u",
	"~rejoignez l'équipe %B à %c en tant que %j %u",
	"~CDD %j, %b %c, démarrage immédiat %u",
	"~job dating %b à %c le %d mai : %j et plus encore %u",
};

static const char *const fr_chatter[] = {
	"-il pleut encore à %c %f",
	"+quel match %T hier soir %e",
	"~quelqu'un sait à quelle heure ferme la poste ?",
	"+enfin le soleil à %c %e",
	"-encore 2h de bouchons pour rentrer, j'en peux plus %f",
	"-lundi matin, déjà fatiguée %f",
	"+premier jour de vacances !!! %e",
	"-le wifi du train ne marche jamais %f",
	"~qui regarde le match ce soir ?",
	"-arbitrage honteux pour le match %T %f",
	"+on a gagné !!! allez %c %e",
	"~je me demande ce que je vais manger ce soir",
	"-mon chat a encore vomi sur le canapé %f",
	"+trop contente, j'ai eu mon permis %e",
	"-grève des transports demain, super... %f",
	"~réunion à 8h, qui fait ça",
	"+anniversaire de ma mère aujourd'hui, on l'aime fort %e",
	"-j'ai raté mon bus pour la 3e fois cette semaine %f",
	"~quelqu'un a des recommandations de séries ?",
	"+soirée raclette entre potes, rien de mieux %e",
	"-il fait -5 à %c, c'est pas normal %f",
	"~devoirs de maths ce soir, qui peut m'aider",
	"+ma fille a fait ses premiers pas %e",
	"-j'ai mal au dos depuis 3 jours %f",
	"~mdr la tête de %m sur la photo",
	"+grasse mat ce dimanche, le bonheur %e",
	"-les impôts, quelle galère %f",
	"~vous partez où cet été ?",
	"+j'ai enfin fini ce livre, génial %e",
	"-encore une panne d'électricité dans l'immeuble %f",
};

static const char *const fr_hash_pos[] = {
	"#love", "#jadore", "#coupdecoeur",
	"#topqualité",
	"#satisfaite",
	"#happy",
	"#bonheur",
	"#conquise",
	"#mustHave",
	"#top",
	"#coupdecœur",
};
static const char *const fr_hash_neg[] = {
	"#déçue", "#fail", "#arnaque",
	"#déçu",
	"#boycott",
	"#sav",
	"#nul",
	"#honte",
	"#plusjamais",
	"#colère",
};
static const char *const fr_hash_neu[] = {
	"#promo", "#bonplan", "#nouveauté",
	"#concours",
	"#avis",
	"#test",
	"#info",
	"#shopping",
};

/* --- English opinions --------------------------------------------------- */

static const char *const en_open[] = {
	"ok so", "honestly", "not gonna lie",
	"quick review of %b:",
	"my two cents:",
	"tbh",
	"update:",
	"PSA:",
	"ok",
	"real talk",
	"so",
	"well",
	"just saying",
	"lol",
	"fyi",
};

static const char *const en_pos[] = {
	"%P %V %i %G",
	"love %l from %b",
	"%b is %i %g",
	"obsessed with %l %B",
	"%b never disappoints",
	"honestly the best %p I've ever had",
	"can't live without %l %B anymore",
	"%P %V worth every penny",
	"10/10 would buy %l %B again",
	"%b just gets it",
	"%l %B? a total game changer",
	"so happy with my %b %p",
	"%b has done it again, %l %V %G",
	"shoutout to %a, %l %V %G",
	"%b customer service is top notch, sorted in 10 minutes",
	"was sceptical but %l %B %V %G",
	"way better than %k, %l %B",
	"tried %k and %b, no contest: %b wins",
	"my sister got me into %b and now I'm hooked",
	"team %b forever",
	"cannot recommend %b enough",
	"%l %B %V %i %G",
	"best purchase of the year: %l %B",
	"not disappointed at all with %b",
	"zero regrets, %l %B %V %G",
	"%b quality is always on point",
	"treat of the day: %l %B",
	"in love with %b",
	"%b is life",
	"third time buying from %b and still impressed",
	"%b delivered fast and %l %V %G",
	"love love love %l %B",
	"%b you're the best",
	"big fan of %l %B",
	"I'm %i impressed with %b",
	"my honest review of %l %B: %G, simple as that",
	"%b really knows what they're doing",
	"%P? absolutely %G",
	"%b has my heart",
	"genuinely the best value out there, %b",
	"never going back after %l %B",
	"%b kept every promise, thank you",
	"%b for the win",
	"this is why I keep buying %b",
	"%l %B exceeded my expectations",
	"happy customer here, %b",
	"%b nailed it with %l",
	"well done %b, %l %V %G",
	"%b makes my day every time",
	"no complaints at all, %b",
	"%l %B %V everything",
};

static const char *const en_neg[] = {
	"%P %V %i %N",
	"not worth it, %l from %b",
	"don't buy %b, %l %V %N",
	"not worth it, %l %B",
	"so disappointed with %l %B",
	"%b is a total scam",
	"%x for this?? daylight robbery",
	"%b quality has really gone downhill",
	"not worth the money, %l %B",
	"do NOT buy %l %B",
	"I would not recommend %b to anyone",
	"can't reach %b customer service for %d days now",
	"%d days waiting for a reply from %a",
	"%P %V a joke",
	"%b doesn't care about its customers",
	"shame on you %b",
	"how does %l %B have good reviews??",
	"regret buying from %b",
	"what a letdown, %l %B",
	"%l %B: a complete waste of money",
	"disaster, %l %B",
	"how can %b be this bad",
	"done with %b for good",
	"%k is way better than %b",
	"I used to like %b but not anymore",
	"nothing like the ads, %l %B %V %N",
	"never again %b",
	"%b hung up on me",
	"refund refused by %b, thanks for nothing",
	"%d weeks and still waiting, %b sort it out",
	"%b doesn't keep its promises",
	"stay away from %l %B",
	"not as described at all, %l %B",
	"not a fan of %l %B",
	"I didn't like %l %B at all",
	"%b you just lost a customer",
	"terrible experience with %b",
	"%b = rip off",
	"poor quality, crazy price, cheers %b",
	"%b is a mess",
	"I will never buy %b again",
	"worst experience of my life with %b",
	"I hate %b",
	"%P %V useless",
	"I'm embarrassed I paid %x for %l %B",
	"%l %B %V %i %N",
	"%b you should be ashamed",
	"fed up with %b",
	"%b ruined my week",
	"avoid %b like the plague",
	"%l %B? pure garbage",
};

static const char *const en_mixed[] = {
	"+pricey but %l %V %G",
	"-looks nice but way too expensive",
	"+a bit pricey but %l %B %V %G",
	"-%l %B %V %G but honestly overpriced",
	"+not perfect but for the price %l %B %V %G",
	"-good product but %b customer service is awful",
	"-used to love %b but the quality has dropped",
	"+wasn't a fan at first but %l %B grew on me",
	"-the ad looks great but %l %V %N",
	"+delivery was slow but worth the wait, %l %B",
	"-sounds great on paper, meh in real life, %b",
	"+not cheap but worth it",
	"-great idea, poor execution, %l %B",
	"-%l %B %V %G but impossible to find %r",
	"+a few flaws but I love %l %B",
	"-love %b but they messed up %l",
	"+after-sales took ages but they sorted it, thanks %b",
	"-pretty packaging, nothing inside, %b",
	"-good value but it doesn't last",
	"-decent price but I won't buy %l %B again",
	"+took a while to get used to but %l %B %V %G now",
};

static const char *const en_mixed_cos[] = {
	"-pretty but it went off after a week",
	"-love the colour but it smells weird",
	"-gorgeous shade but it doesn't last",
	"+strong smell at first but the %b perfume lasts all day",
	"-nice texture but zero results on my skin",
	"+pricey but %b foundation is flawless",
	"-pretty bottle but the %b perfume turns quickly",
	"+a bit dry at first but %b mascara gives amazing length",
};

static const char *const en_mixed_food[] = {
	"+not cheap but the taste is there",
	"-tastes good but way too sweet",
	"+pricey but %b biscuits are so good",
	"-%b coffee is nice but the pods cost a fortune",
	"+less creamy than before but still good, %b",
	"-tasty but there's less and less in the %b pack",
	"+they changed the recipe but I still love %b",
};

static const char *const en_mixed_car[] = {
	"-great car shame about the after-sales",
	"+brilliant car but the wait at the %b dealership was long",
	"-lovely car but the real range is disappointing",
	"+a bit expensive but the %b is worth every penny",
	"-comfy but the %b screen keeps crashing",
	"+%b after-sales is slow but the car is great",
	"-nice design but cheap plastic everywhere, %b",
};

static const char *const en_pos_more[] = {
	"%L %V %i %G",
	"will buy again",
	"buying more tomorrow",
	"everyone should try it",
	"getting it for the whole family",
	"%i good deal",
	"worth it",
	"you can feel the quality",
	"it's %g",
	"well done to the %b team",
	"my new obsession",
	"so happy",
};

static const char *const en_neg_more[] = {
	"%L %V %i %N",
	"won't buy again",
	"it's %n",
	"waste of money",
	"I'm %i disappointed",
	"they're taking us for fools",
	"not worth a penny",
	"that's the last time",
	"they couldn't care less",
	"what a joke",
	"reporting this to trading standards",
};

static const char *const en_irony[] = {
	"great, another delay %f",
	"thanks %b, truly a masterpiece, well done 🙄",
	"well done %b, another lost parcel 👏",
	"wow %l %B, what a success 🙄",
	"love being on hold with %b for 45 minutes",
	"thanks %b for introducing me to allergies",
	"amazing, %x for something that broke in 3 days",
	"nothing says fun like calling %b after-sales every day",
	"oh brilliant %b, great job as always 🙄",
	"impressive, %b somehow made %l even worse",
	"just love waiting 3 weeks for a reply from %b, really",
	"%b customer service, truly the best 🙃",
	"great, %b mascara gave me panda eyes",
	"cheers %b for promos that never exist in store",
	"love the new %b recipe... if you like cardboard",
	"bravo %b for this unforgettable experience 🙄",
};

static const char *const en_neu[] = {
	"~%l from %b is fine I guess",
	"~it does the job, nothing more",
	"~it's ok, %l %B",
	"~nothing special about %l %B",
	"~not bad, not great, %b",
	"~%b is like all the others",
	"~can't really tell the difference from %k",
	"~%l %B, pretty standard",
	"~neither impressed nor disappointed by %b",
	"~average, %l %B",
	"~still on the fence about %l %B",
	"~does what it says, %l %B",
	"~no strong feelings about %b either way",
	"~%l %B %V fine I guess",
};

static const char *const en_pos_cos[] = {
	"my skin feels so soft thanks to %b",
	"the %b lipstick lasts all day",
	"my skin has never looked this good since I switched to %b",
	"glowy skin all day with %b",
	"%b mascara doesn't sting my eyes, finally",
	"the %b perfume smells divine",
	"I get compliments every time I wear %b",
	"%b foundation is perfect for my combination skin",
	"melts right in, love the texture %b",
	"lips stay soft all day thanks to %b",
	"the %b palette is stunning, the colours are unreal",
	"lashes for days with %b mascara",
	"no breakouts since I switched to %b",
	"evening routine with %b is pure bliss",
	"the %b packaging is so pretty too",
	"stays put even after the gym, thanks %b",
};

static const char *const en_pos_food[] = {
	"%b for breakfast is the best",
	"my kids love %b",
	"the perfect snack, %b",
	"%b chocolate just melts in your mouth",
	"finally biscuits that aren't too sweet, thanks %b",
	"%b %p in the morning, best part of my day",
	"I could eat %b %p with a spoon",
	"%b yoghurts taste like real farm milk",
	"the new %b recipe is even better",
	"tastes like childhood, thank you %b",
	"%b is pure comfort after a long day",
	"short clean ingredient list on %b, love it",
	"we finished the whole %b pack in one evening",
	"%b %p, best in the aisle",
};

static const char *const en_pos_car[] = {
	"my %b has been flawless for %d years",
	"the range on the %b is unreal",
	"%d0,000 miles in my %b and not one problem",
	"smooth and quiet, driving the %b is a joy",
	"great welcome at the %b dealership",
	"%b after-sales fixed my issue in a day",
	"charging my %b takes 30 minutes, perfect for road trips",
	"test drove the new %b this morning and I'm sold",
	"just picked up my new %b, buzzing",
	"my %b costs next to nothing to run",
	"the %b salesman was so patient with me",
	"the interior of the %b is beautifully finished",
	"going electric with %b was the best decision this year",
};


static const char *const en_neg_cos[] = {
	"%b gave me a rash",
	"%b mascara smudges after an hour",
	"%b lipstick bleeds into every fine line",
	"%b foundation oxidises after two hours",
	"%b cream burnt my face",
	"%b %p doesn't last an hour",
	"the %b palette is chalky, zero pigment",
	"%b mascara goes clumpy",
	"instant allergic reaction to %b cream",
	"%b perfume smells like pure alcohol",
	"is %b still testing on animals?? boycott",
	"the %b %p leaves a horrible greasy film",
	"shade is nothing like the picture, %b",
	"everything melted off in the heat, thanks %b",
};

static const char *const en_neg_food[] = {
	"way too sweet, %b",
	"found a hair in my %b %p",
	"tastes like plastic, %b %p 🤢",
	"%b biscuits are soggy straight out of the pack",
	"fewer biscuits in the %b pack for the same price again",
	"%b %p: out of date when I bought it",
	"way too many additives in %b, I'm done",
	"%b coffee tastes burnt",
	"%b changed the recipe and it's inedible",
	"the shrinkflation at %b is out of control",
	"my son was sick after eating %l %B",
	"the %b bag is half empty",
	"%b full of palm oil, no thanks",
	"bits of plastic in my %b %p!!",
};

static const char *const en_neg_car[] = {
	"my %b is back at the garage again",
	"%d weeks to get an appointment at %b",
	"my %b broke down for the 3rd time",
	"%b battery dies in the cold",
	"the %b touchscreen freezes all the time",
	"six month wait for a %b, are you kidding",
	"the %b garage charged me %x for nothing",
	"can't charge my %b anywhere on the motorway",
	"the %b dealership never calls back",
	"weird noise in my %b since the service",
	"second %b recall this year",
	"the %b salesman lied about the range",
	"brand new %b and there's already rust",
	"%b after-sales is non-existent",
};


static const char *const en_close_pos[] = {
	"highly recommend", "go for it", "thanks %b",
	"go for it, you won't regret it",
	"buying again for sure",
	"thank you %a",
	"10/10",
	"big fan",
	"can't wait for more",
	"that's all",
	"long live %b",
};
static const char *const en_close_neg[] = {
	"would not recommend", "never again", "I want a refund",
	"avoid",
	"save your money",
	"never again %b",
	"%a please reply",
	"gutted",
	"steer clear",
	"so annoying",
	"refund please",
	"shameful",
	"just awful",
};

static const char *const en_question[] = {
	"~has anyone tried %l from %b?",
	"~where can I find %b in %c?",
	"-why is my %b order still not here?",
	"~%V %l %B worth it?",
	"~%b or %k, which one would you pick?",
	"~%a do you ship to Ireland?",
	"~is %b available %r?",
	"~how much %V %l %B at the moment?",
	"~any reviews of %l %B?",
	"~%a when does the sale start?",
	"~anyone tried %b? thoughts?",
	"~%V %l %B made in Europe?",
	"~%m have you heard of %b?",
	"~%V %l %B discontinued?",
	"~can you order %b online?",
	"~anyone got a %b discount code?",
	"~why %V %l %B sold out everywhere?",
	"-why does %b never answer messages??",
	"-%a where is my refund???",
	"-seriously %b, %d weeks of waiting is normal?",
	"-is it just me or has %l %B gone downhill?",
	"-%a are you ever going to reply?",
	"-why did %b change the recipe?? it was better before",
	"+anyone else as obsessed with %b as me?",
	"~%a are you hiring interns?",
	"~%b vs %k, any opinions?",
	"~where do you find %l %B in %c?",
};

static const char *const en_news[] = {
	"~new at %b: meet %l! %u",
	"~%D%% off %l at %b this weekend only %u",
	"~%b launches its new range, available today %r %u",
	"~🎉 giveaway: win %l %B! RT + follow %a to enter %u",
	"~%b opens a new store in %c this Saturday",
	"~press release: %b announces a partnership with %k",
	"~the %b sale is on: up to %D%% off %u",
	"~%b commits to 100%% recyclable packaging by 2027 %u",
	"~product recall: %b withdraws a batch of %p as a precaution %u",
	"~%b unveils %l at the %c show this week",
	"~welcome offer: %D%% off your first %b order with code WELCOME %u",
	"~free delivery this weekend on the whole %b store %u",
	"~%b turns %D! thank you all 🎂 %u",
	"~limited edition: %l %B, in stores from April %d",
	"~%b is looking for ambassadors, sign up %u",
	"+%b voted product of the year again, thank you 🙏 %u",
	"~%l %B %V back! %u",
	"~%b cuts prices on %D products from Monday",
};

static const char *const en_spam[] = {
	"~WIN a free iPhone, click here %u",
	"~%b %D%% OFF!!! limited stock %u",
	"~💰 make $500 a day from home, DM me 💰 %u",
	"~congratulations you've been selected to receive a free %b %p %u",
	"~FREE %b 🎁🎁 just fill in this form %u",
	"~follow me and I follow back 🔥 100%%",
	"~crypto: 10x guaranteed in 24h, join the group %u",
	"~buy followers cheap, instant results %u",
	"~%l %B for just $1 today only!!! %u",
	"~your parcel is on hold, pay the shipping fee here: %u",
	"~🔥🔥 MEGA SALE 🔥🔥 %b %k %D%% off everything %u",
	"~lose 10 kg in a week with this one trick %u",
	"~I made %x with this app, unbelievable %u",
	"~$100 %b gift card for the first 500 people %u",
	"~your account will be suspended, verify here %u",
	"~hot singles in %c want to meet you %u",
};

static const char *const en_job[] = {
	"~%b is hiring a %j in %c, apply: %u",
	"~job alert: %j (permanent) at %b in %c %u",
	"~#hiring %b is looking for a %j in %c, send your CV %u",
	"~6-month internship at %b in %c: %j %u",
	"~we're hiring! %b needs %d %j for its %c site %u",
	"~graduate scheme at %b: %j, starts September %u",
	"~join the %b team in %c as a %j %u",
	"~fixed-term %j role, %b %c, immediate start %u",
	"~%b careers day in %c on May %d: %j and more %u",
};

static const char *const en_chatter[] = {
	"-raining again in %c %f",
	"+what a game by %T last night %e",
	"~anyone know when the post office closes?",
	"+finally some sun in %c %e",
	"-2 hours stuck in traffic again, I can't take it anymore %f",
	"-monday morning and already knackered %f",
	"+first day of holidays!!! %e",
	"-train wifi never works %f",
	"~who's watching the game tonight?",
	"-shocking refereeing in the %T game %f",
	"+we won!!! come on %T %e",
	"~wondering what to have for dinner",
	"-my cat threw up on the sofa again %f",
	"+so happy, passed my driving test %e",
	"-tube strike tomorrow, brilliant... %f",
	"~meeting at 8am, who does that",
	"+mum's birthday today, love her to bits %e",
	"-missed my bus for the 3rd time this week %f",
	"~any good series recommendations?",
	"+pizza night with friends, nothing better %e",
	"-it's -5 in %c, this isn't normal %f",
	"~maths homework tonight, who can help",
	"+my daughter took her first steps %e",
	"-back pain for 3 days now %f",
	"~lol %m's face in that photo",
	"+lie-in this sunday, bliss %e",
	"-tax return season, what a nightmare %f",
	"~where are you going this summer?",
	"+finally finished that book, brilliant %e",
	"-another power cut in the building %f",
};

static const char *const en_hash_pos[] = {
	"#love", "#obsessed", "#musthave",
	"#happy",
	"#win",
	"#loveit",
	"#10outof10",
	"#favourite",
};
static const char *const en_hash_neg[] = {
	"#fail", "#disappointed", "#neveragain",
	"#ripoff",
	"#scam",
	"#boycott",
	"#customerservice",
	"#angry",
	"#worst",
};
static const char *const en_hash_neu[] = {
	"#promo", "#deal", "#new",
	"#giveaway",
	"#review",
	"#newin",
	"#shopping",
	"#info",
};

/* --- Authors ------------------------------------------------------------ */

static const char *const handle_first[] = {
	"julie", "marco", "sarah", "tom", "lea", "kevin", "emma", "nico", "jess", "mike",
	"camille",
	"lucas",
	"manon",
	"hugo",
	"chloe",
	"theo",
	"ines",
	"jules",
	"amina",
	"yanis",
	"clara",
	"baptiste",
	"zoe",
	"sam",
	"olivia",
	"jack",
	"amelia",
	"harry",
	"priya",
	"liam",
	"noah",
	"ella",
	"mo",
	"nadia",
};
static const char *const handle_word[] = {
	"beauty", "foodie", "gamer", "maman", "runner", "auto", "paris", "life",
	"makeup",
	"chef",
	"daddy",
	"geek",
	"travel",
	"vibes",
	"official",
	"lover",
	"foot",
	"fit",
	"music",
	"coffee",
	"cars",
	"mum",
	"nomad",
};
static const char *const bot_words[] = {
	"promo", "deals", "gift", "cash", "win",
	"bonus",
	"free",
	"promo4u",
	"lucky",
	"bestdeal",
	"crypto",
	"offer",
};

/* The per-language phrase tables. */
typedef struct LangPack
{
	Tab			open,
				pos,
				neg,
				mixed,
				irony,
				neu,
				close_pos,
				close_neg,
				question,
				news,
				spam,
				job,
				chatter,
				hash_pos,
				hash_neg,
				hash_neu,
				intens,
				when,
				pos_more,
				neg_more;
	Tab			pos_sec[3],
				neg_sec[3],
				mix_sec[3],
				where[3],
				jobs[3];
} LangPack;

static const LangPack packs[2] = {
	{
		TAB(fr_open), TAB(fr_pos), TAB(fr_neg), TAB(fr_mixed), TAB(fr_irony), TAB(fr_neu),
		TAB(fr_close_pos), TAB(fr_close_neg), TAB(fr_question), TAB(fr_news), TAB(fr_spam),
		TAB(fr_job), TAB(fr_chatter), TAB(fr_hash_pos), TAB(fr_hash_neg), TAB(fr_hash_neu),
		TAB(fr_intens), TAB(fr_when), TAB(fr_pos_more), TAB(fr_neg_more),
		{TAB(fr_pos_cos), TAB(fr_pos_food), TAB(fr_pos_car)},
		{TAB(fr_neg_cos), TAB(fr_neg_food), TAB(fr_neg_car)},
		{TAB(fr_mixed_cos), TAB(fr_mixed_food), TAB(fr_mixed_car)},
		{TAB(fr_where_cos), TAB(fr_where_food), TAB(fr_where_car)},
		{TAB(fr_jobs_cos), TAB(fr_jobs_food), TAB(fr_jobs_car)},
	},
	{
		TAB(en_open), TAB(en_pos), TAB(en_neg), TAB(en_mixed), TAB(en_irony), TAB(en_neu),
		TAB(en_close_pos), TAB(en_close_neg), TAB(en_question), TAB(en_news), TAB(en_spam),
		TAB(en_job), TAB(en_chatter), TAB(en_hash_pos), TAB(en_hash_neg), TAB(en_hash_neu),
		TAB(en_intens), TAB(en_when), TAB(en_pos_more), TAB(en_neg_more),
		{TAB(en_pos_cos), TAB(en_pos_food), TAB(en_pos_car)},
		{TAB(en_neg_cos), TAB(en_neg_food), TAB(en_neg_car)},
		{TAB(en_mixed_cos), TAB(en_mixed_food), TAB(en_mixed_car)},
		{TAB(en_where_cos), TAB(en_where_food), TAB(en_where_car)},
		{TAB(en_jobs_cos), TAB(en_jobs_food), TAB(en_jobs_car)},
	},
};

/* Text-speak substitutions (whole words), French then English. */
typedef struct Subst
{
	const char *from;
	const char *to;
} Subst;

static const Subst fr_sms[] = {
	{"c'est", "c"}, {"je suis", "jsuis"}, {"trop", "tro"}, {"beaucoup", "bcp"},
	{"pourquoi", "pk"}, {"quoi", "koi"}, {"j'ai", "jai"}, {"je sais pas", "jsp"},
	{"je ne sais pas", "jsp"}, {"vraiment", "vrmt"}, {"s'il vous plaît", "svp"},
	{"s'il te plaît", "stp"}, {"quelqu'un", "qqn"}, {"quelque chose", "qqch"},
	{"aujourd'hui", "ajd"}, {"toujours", "tjrs"}, {"rien", "r1"}, {"bien", "b1"},
	{"nul", "nul"}, {"déçue", "déçu"}, {"mais", "mé"},
	{"pas", "pa"}, {"cette", "cet"}, {"ce que", "ske"}, {"tout", "tt"},
	{"plus", "+"}, {"avec", "avc"}, {"dans", "ds"},
	{"franchement", "franchment"}, {"mort de rire", "mdr"}, {"parce que", "pcq"},
};
static const Subst en_sms[] = {
	{"you", "u"}, {"are", "r"}, {"please", "pls"}, {"really", "rly"}, {"because", "bc"},
	{"to be honest", "tbh"}, {"I don't know", "idk"}, {"for real", "fr"}, {"thanks", "thx"},
	{"your", "ur"}, {"you're", "ur"}, {"people", "ppl"}, {"before", "b4"}, {"great", "gr8"},
	{"tonight", "2nite"}, {"love", "luv"}, {"what", "wat"}, {"going to", "gonna"},
	{"want to", "wanna"}, {"I am", "im"}, {"don't", "dont"}, {"can't", "cant"},
	{"with", "w/"}, {"about", "abt"}, {"probably", "prob"}, {"seriously", "srsly"},
};

/* One-word swaps used by copy-paste campaigns. */
static const Subst swaps[] = {
	{"trop", "vraiment"}, {"très", "super"}, {"vraiment", "trop"}, {"super", "hyper"},
	{"really", "so"}, {"so", "super"}, {"super", "really"}, {"very", "really"},
	{"j'adore", "j'aime trop"}, {"love", "adore"}, {"nul", "naze"}, {"awful", "terrible"},
	{"merci", "thx"}, {"thanks", "cheers"}, {"génial", "top"}, {"amazing", "awesome"},
	{"déçue", "déçu"}, {"franchement", "honnêtement"}, {"honestly", "tbh"},
};

/* Words that users stretch ("trooop", "sooo"). */
static const char *const stretchable[] = {
	"trop", "tro", "so", "bien", "good", "génial", "nul", "love", "top", "super", "no", "non",
	"enfin", "please", "why", "pourquoi", "bravo", "merci", "thanks", "cool", "beau", "bon",
	"yes", "oui", "ouf", "lol", "mdr", "hate", "great", "bad", "sooo", "nice", "wow", "omg",
	"jamais", "never", "grave", "vraiment", "really", "horrible", "amazing", "ouais", "yeah",
};

/* ------------------------------------------------------------------------
 * Generation
 * ------------------------------------------------------------------------ */

/* Per-hour weights of the daily activity curve (UTC). */
static const int hour_weight[24] = {
	3, 2, 1, 1, 1, 2, 4, 7, 9, 9, 9, 11, 15, 14, 10, 9, 9, 10, 13, 15, 16, 13, 9, 5
};

/* State of one call of demo_messages. */
typedef struct DemoGen
{
	uint64		key;			/* hash of the seed */
	TimestampTz day_start;		/* 00:00 UTC of the day */
	StringInfoData body;		/* the row's body */
	StringInfoData scratch;		/* rewrite buffer */
	StringInfoData author;		/* the row's author */
	StringInfoData tmp;			/* original body of a duplicate */
	MemoryContext row_ctx;		/* reset before each row */
} DemoGen;

/* One generated row (strings live in the DemoGen buffers). */
typedef struct Msg
{
	TimestampTz ts;
	int			channel;
	int			brand;			/* -1 when none */
	int			sector;			/* -1 when none */
	int			lang;
	int			kind;
	int			intent;
	int			product;
	int			rival;			/* competitor brand */
	int32		reach;
	int32		likes;
	int64		dup_of;			/* 0 when not a duplicate */
} Msg;

/* Pick an entry of a table. */
static inline const char *
pick(Rng *r, const Tab *t)
{
	return t->v[rng_below(r, t->n)];
}

/* Pick an entry of a plain array. */
#define PICK(r, a) ((a)[rng_below((r), lengthof(a))])

/* The product of the message. */
static inline const Product *
msg_product(const Msg *m)
{
	return &products[m->sector].v[m->product];
}

/* Append a random URL (brand site, shortener or spam domain). */
static void
append_url(StringInfo s, Rng *r, const Msg *m)
{
	static const char alnum[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	int			k,
				len = 5 + rng_below(r, 4);

	if (m->kind == K_SPAM)
		appendStringInfo(s, "https://%s/", PICK(r, spam_domains));
	else if (m->brand < 0 || rng_chance(r, 0.3))
		appendStringInfo(s, "https://%s/", PICK(r, shorteners));
	else
		appendStringInfo(s, "https://www.%s/", brands[m->brand].domain);
	for (k = 0; k < len; k++)
		appendStringInfoChar(s, alnum[rng_below(r, (int) sizeof(alnum) - 1)]);
}

/* Append a price in the message's language. */
static void
append_price(StringInfo s, Rng *r, const Msg *m)
{
	bool		car = m->sector == 2 && m->kind != K_SPAM && rng_chance(r, 0.5);
	int			euros = car ? 15000 + 500 * rng_below(r, 60) :
		m->sector == 2 || m->kind == K_SPAM ? 90 + 10 * rng_below(r, 240) : 2 + rng_below(r, 60);
	int			cents = m->sector == 2 ? 0 : (rng_chance(r, 0.5) ? 99 : 90);

	if (car && m->lang == LANG_EN)
		euros = euros / 1000 * 1000;

	if (m->lang == LANG_FR)
	{
		if (cents)
			appendStringInfo(s, "%d,%02d€", euros, cents);
		else
			appendStringInfo(s, "%d €", euros);
	}
	else if (cents)
		appendStringInfo(s, "£%d.%02d", euros, cents);
	else
		appendStringInfo(s, "£%d", euros);
}

/* Append a random user handle (without @). */
static void
append_handle(StringInfo s, Rng *r)
{
	switch (rng_below(r, 5))
	{
		case 0:
			appendStringInfo(s, "%s%d", PICK(r, handle_first), rng_below(r, 100));
			break;
		case 1:
			appendStringInfo(s, "%s_%s", PICK(r, handle_first), PICK(r, handle_word));
			break;
		case 2:
			appendStringInfo(s, "%s.%c", PICK(r, handle_first), 'a' + rng_below(r, 26));
			break;
		case 3:
			appendStringInfo(s, "%s%s%d", PICK(r, handle_word), PICK(r, handle_first), 70 + rng_below(r, 30));
			break;
		default:
			appendStringInfo(s, "the_%s_%s", PICK(r, handle_word), PICK(r, handle_first));
			break;
	}
}

/* Expand a template's %-slots into s. */
static void
expand(StringInfo s, Rng *r, const Msg *m, const char *t)
{
	const LangPack *lp = &packs[m->lang];
	bool		fr = m->lang == LANG_FR;

	for (; *t; t++)
	{
		const Product *p;
		int			g;

		if (*t != '%' || t[1] == '\0')
		{
			appendStringInfoChar(s, *t);
			continue;
		}
		t++;
		/* Slots about the product need a sector; chatter has none. */
		p = m->sector >= 0 ? msg_product(m) : &products[0].v[0];
		g = p->g;
		switch (*t)
		{
			case 'b':
				appendStringInfoString(s, m->brand >= 0 ? brands[m->brand].name : "la marque");
				break;
			case 'B':
				if (!fr)
					appendStringInfoString(s, "from ");
				else if (m->brand >= 0 && (strchr("AEIOU", brands[m->brand].name[0]) ||
										   strncmp(brands[m->brand].name, "É", 2) == 0))
					appendStringInfoString(s, "d'");
				else
					appendStringInfoString(s, "de ");
				appendStringInfoString(s, m->brand >= 0 ? brands[m->brand].name : "la marque");
				break;
			case 'h':
				if (m->brand >= 0)
					appendStringInfoString(s, brands[m->brand].tag);
				break;
			case 'a':
				if (m->brand >= 0)
					appendStringInfo(s, "@%s", brands[m->brand].handle);
				break;
			case 'k':
				appendStringInfoString(s, brands[m->rival].name);
				break;
			case 'p':
				appendStringInfoString(s, fr ? p->fr : p->en);
				break;
			case 'l':
				if (fr)
					appendStringInfoString(s, p->fr_def);
				else
					appendStringInfo(s, "the %s", p->en);
				break;
			case 'P':
				if (fr)
					appendStringInfoString(s, p->fr_dem);
				else
					appendStringInfo(s, "%s %s", p->en_pl ? "these" : "this", p->en);
				break;
			case 'V':
				if (fr)
					appendStringInfoString(s, g >= G_MPL ? "sont" : "est");
				else
					appendStringInfoString(s, p->en_pl ? "are" : "is");
				break;
			case 'O':
				if (fr)
					appendStringInfoString(s, g >= G_MPL ? "les " : "l'");
				else
					appendStringInfoString(s, p->en_pl ? "them" : "it");
				break;
			case 'L':
				if (fr)
					appendStringInfoString(s, g == G_M ? "il" : g == G_F ? "elle" : g == G_MPL ? "ils" : "elles");
				else
					appendStringInfoString(s, p->en_pl ? "they" : "it");
				break;
			case 'G':
				appendStringInfoString(s, fr ? PICK(r, fr_adj_pos)[g] : PICK(r, en_adj_pos));
				break;
			case 'N':
				appendStringInfoString(s, fr ? PICK(r, fr_adj_neg)[g] : PICK(r, en_adj_neg));
				break;
			case 'g':
				appendStringInfoString(s, fr ? PICK(r, fr_adj_pos)[0] : PICK(r, en_adj_pos));
				break;
			case 'n':
				appendStringInfoString(s, fr ? PICK(r, fr_adj_neg)[0] : PICK(r, en_adj_neg));
				break;
			case 'i':
				appendStringInfoString(s, pick(r, &lp->intens));
				break;
			case 'e':
				appendStringInfoString(s, PICK(r, emoji_pos));
				break;
			case 'f':
				appendStringInfoString(s, PICK(r, emoji_neg));
				break;
			case 'E':
				appendStringInfoString(s, PICK(r, emoji_neu));
				break;
			case 'm':
				appendStringInfoChar(s, '@');
				append_handle(s, r);
				break;
			case 'u':
				append_url(s, r, m);
				break;
			case 'd':
				appendStringInfo(s, "%d", 2 + rng_below(r, 8));
				break;
			case 'D':
				appendStringInfo(s, "%d", 10 * (1 + rng_below(r, 7)));
				break;
			case 'x':
				append_price(s, r, m);
				break;
			case 'c':
				appendStringInfoString(s, fr ? PICK(r, fr_cities) : PICK(r, en_cities));
				break;
			case 'w':
				appendStringInfoString(s, pick(r, &lp->when));
				break;
			case 'r':
				appendStringInfoString(s, pick(r, &lp->where[Max(m->sector, 0)]));
				break;
			case 'j':
				appendStringInfoString(s, pick(r, &lp->jobs[Max(m->sector, 0)]));
				break;
			case 'T':
				appendStringInfoString(s, fr ? PICK(r, fr_clubs) : PICK(r, en_clubs));
				break;
			case '%':
				appendStringInfoChar(s, '%');
				break;
			default:
				appendStringInfoChar(s, '%');
				appendStringInfoChar(s, *t);
				break;
		}
	}
}

/* Expand an entry that starts with its intent mark; return the intent. */
static int
expand_marked(StringInfo s, Rng *r, const Msg *m, const char *t)
{
	int			intent = *t == '+' ? I_POS : *t == '-' ? I_NEG : I_NEU;

	expand(s, r, m, t + 1);
	return intent;
}

/* Append a sentence separator. */
static void
append_sep(StringInfo s, Rng *r)
{
	static const char *const seps[] = {". ", ", ", " ", "! ", "... ", " - "};

	appendStringInfoString(s, PICK(r, seps));
}

/* Append 1-3 emoji of the message's polarity. */
static void
append_emoji(StringInfo s, Rng *r, int intent)
{
	int			k,
				count = 1 + (rng_chance(r, 0.3) ? 1 + rng_below(r, 2) : 0);
	const char *e = NULL;

	appendStringInfoChar(s, ' ');
	for (k = 0; k < count; k++)
	{
		/* Repeat the same emoji more often than not, as people do. */
		if (e == NULL || rng_chance(r, 0.4))
			e = intent == I_POS ? PICK(r, emoji_pos) : intent == I_NEG ? PICK(r, emoji_neg) : PICK(r, emoji_neu);
		appendStringInfoString(s, e);
	}
}

/* Append hashtags suited to the channel and the message's polarity. */
static void
append_hashtags(StringInfo s, Rng *r, const Msg *m)
{
	const LangPack *lp = &packs[m->lang];
	double		p = m->channel == CH_INSTAGRAM ? 0.7 : m->channel == CH_TWITTER ? 0.4 : 0.1;

	if (m->channel == CH_REVIEWS || !rng_chance(r, p))
		return;
	if (m->brand >= 0 && rng_chance(r, 0.6))
	{
		appendStringInfoChar(s, ' ');
		appendStringInfoString(s, brands[m->brand].tag);
	}
	appendStringInfoChar(s, ' ');
	appendStringInfoString(s, pick(r, m->intent == I_POS ? &lp->hash_pos :
								   m->intent == I_NEG ? &lp->hash_neg : &lp->hash_neu));
}

/* Write an opinion: opener, core, maybe a second sentence and a closer. */
static void
build_opinion(StringInfo s, Rng *r, Msg *m)
{
	const LangPack *lp = &packs[m->lang];
	double		u = rng_unit(r);

	if (rng_chance(r, 0.2))
	{
		const char *o = pick(r, &lp->open);
		char		last = o[strlen(o) - 1];

		expand(s, r, m, o);
		appendStringInfoString(s, last == ':' || last == ',' || rng_chance(r, 0.5) ? " " : ", ");
	}
	/* 48% positive, 38% negative, 6% mixed, 4% ironic, 4% neutral. */
	if (u < 0.45 || u >= 0.97)
	{
		m->intent = I_POS;
		expand(s, r, m, pick(r, rng_chance(r, 0.35) ? &lp->pos_sec[m->sector] : &lp->pos));
	}
	else if (u < 0.83)
	{
		m->intent = I_NEG;
		expand(s, r, m, pick(r, rng_chance(r, 0.35) ? &lp->neg_sec[m->sector] : &lp->neg));
	}
	else if (u < 0.89)
		m->intent = expand_marked(s, r, m, pick(r, rng_chance(r, 0.5) ? &lp->mix_sec[m->sector] : &lp->mixed));
	else if (u < 0.93)
	{
		m->intent = I_NEG;
		expand(s, r, m, pick(r, &lp->irony));
	}
	else
		m->intent = expand_marked(s, r, m, pick(r, &lp->neu));

	/* A second sentence of the same polarity. */
	if (m->intent != I_NEU && rng_chance(r, 0.25))
	{
		append_sep(s, r);
		expand(s, r, m, pick(r, m->intent == I_POS ? &lp->pos_more : &lp->neg_more));
	}
	if (m->intent != I_NEU && rng_chance(r, 0.25))
	{
		append_sep(s, r);
		expand(s, r, m, pick(r, m->intent == I_POS ? &lp->close_pos : &lp->close_neg));
	}
}

/* Replace whole-word occurrences per the table, each with probability p. */
static void
substitute(DemoGen *g, Rng *r, const Subst *tab, int ntab, double p, bool first_only)
{
	StringInfo	s = &g->body;
	StringInfo	o = &g->scratch;
	int			i = 0;
	bool		done = false;

	resetStringInfo(o);
	while (i < s->len)
	{
		bool		at_start = i == 0 || s->data[i - 1] == ' ' || s->data[i - 1] == '\'';
		int			k;
		bool		hit = false;

		if (!done && at_start)
		{
			for (k = 0; k < ntab; k++)
			{
				int			fl = strlen(tab[k].from);
				char		next;

				if (s->data[i] != tab[k].from[0] || i + fl > s->len ||
					memcmp(s->data + i, tab[k].from, fl) != 0)
					continue;
				next = s->data[i + fl];
				if ((next & 0x80) || isalnum((unsigned char) next))
					continue;
				if (!rng_chance(r, p))
					continue;
				appendStringInfoString(o, tab[k].to);
				i += fl;
				hit = true;
				done = first_only;
				break;
			}
		}
		if (!hit)
			appendStringInfoChar(o, s->data[i++]);
	}
	/* Swap the buffers. */
	{
		StringInfoData t = *s;

		*s = *o;
		*o = t;
	}
}

/* Drop the accents of French letters in place (é -> e, ç -> c, œ -> oe is kept). */
static void
drop_accents(StringInfo s)
{
	static const char map[64] =
		"AAAAAAACEEEEIIII" "DNOOOOO*OUUUUYTs" "aaaaaaaceeeeiiii" "dnooooo/ouuuuyty";
	int			i,
				j = 0;

	for (i = 0; i < s->len; i++)
	{
		unsigned char c = s->data[i];

		if (c == 0xC3 && i + 1 < s->len && (unsigned char) s->data[i + 1] >= 0x80 &&
			(unsigned char) s->data[i + 1] < 0xC0 && (unsigned char) s->data[i + 1] != 0x97 &&
			(unsigned char) s->data[i + 1] != 0xB7)
		{
			s->data[j++] = map[(unsigned char) s->data[i + 1] - 0x80];
			i++;
		}
		else
			s->data[j++] = s->data[i];
	}
	s->len = j;
	s->data[j] = '\0';
}

/* Is the word starting at p a URL, mention or hashtag (left as is)? */
static inline bool
is_special_word(const char *p)
{
	return *p == '@' || *p == '#' || strncmp(p, "http", 4) == 0;
}

/* Put one word, or a clause up to the next punctuation, in capitals. */
static void
shout(StringInfo s, Rng *r)
{
	int			starts[64],
				n = 0,
				i,
				from,
				to;
	bool		clause = rng_chance(r, 0.5);

	for (i = 0; i < s->len && n < 64; i++)
		if ((i == 0 || s->data[i - 1] == ' ') && s->data[i] != ' ' && !is_special_word(s->data + i))
			starts[n++] = i;
	if (n == 0)
		return;
	from = starts[rng_below(r, n)];
	for (to = from; to < s->len; to++)
	{
		char		c = s->data[to];

		if (c == '.' || c == ',' || c == '!' || c == '?' || c == '#' || c == '@' ||
			(c == ' ' && !clause) || (c == 'h' && strncmp(s->data + to, "http", 4) == 0))
			break;
	}
	for (i = from; i < to; i++)
	{
		unsigned char c = s->data[i];

		if (c >= 'a' && c <= 'z')
			s->data[i] = c - 32;
		else if (c == 0xC3 && i + 1 < to)
		{
			unsigned char d = s->data[i + 1];

			if (d >= 0xA0 && d <= 0xBE && d != 0xB7)
				s->data[i + 1] = d - 0x20;
			i++;
		}
		else if (c >= 0x80)
		{
			/* Skip the rest of any other multibyte character. */
			while (i + 1 < to && ((unsigned char) s->data[i + 1] & 0xC0) == 0x80)
				i++;
		}
	}
}

/* Length of the word at p (up to a space or punctuation). */
static inline int
word_len(const char *p, int max)
{
	int			k = 0;

	while (k < max && p[k] != ' ' && p[k] != ',' && p[k] != '.' && p[k] != '!' && p[k] != '?')
		k++;
	return k;
}

/* Stretch one emphatic word by repeating its last vowel ("trooop"). */
static void
stretch(DemoGen *g, Rng *r)
{
	StringInfo	s = &g->body;
	int			cand[16],
				clen[16],
				n = 0,
				i,
				k,
				at,
				len,
				v = -1;

	for (i = 0; i < s->len && n < 16; i++)
	{
		if (i > 0 && s->data[i - 1] != ' ')
			continue;
		len = word_len(s->data + i, s->len - i);
		for (k = 0; k < (int) lengthof(stretchable); k++)
			if ((int) strlen(stretchable[k]) == len &&
				pg_strncasecmp(s->data + i, stretchable[k], len) == 0)
			{
				cand[n] = i;
				clen[n++] = len;
				break;
			}
	}
	if (n == 0)
		return;
	k = rng_below(r, n);
	at = cand[k];
	for (i = at; i < at + clen[k]; i++)
		if (strchr("aeiouyAEIOUY", s->data[i]) != NULL)
			v = i;
	if (v < 0)
		return;
	resetStringInfo(&g->scratch);
	appendBinaryStringInfo(&g->scratch, s->data, v + 1);
	for (k = 2 + rng_below(r, 4); k > 0; k--)
		appendStringInfoChar(&g->scratch, s->data[v]);
	appendBinaryStringInfo(&g->scratch, s->data + v + 1, s->len - v - 1);
	{
		StringInfoData t = *s;

		*s = g->scratch;
		g->scratch = t;
	}
}

/* Make one typo in an ASCII word of 4+ letters: swap, drop or double a letter. */
static void
typo(StringInfo s, Rng *r)
{
	int			cand[32],
				n = 0,
				i,
				k,
				at;

	for (i = 0; i < s->len && n < 32; i++)
	{
		int			len;
		bool		ascii = true;

		if ((i > 0 && s->data[i - 1] != ' ') || is_special_word(s->data + i))
			continue;
		len = word_len(s->data + i, s->len - i);
		for (k = 0; k < len; k++)
			if (!isalpha((unsigned char) s->data[i + k]))
				ascii = false;
		if (ascii && len >= 4)
			cand[n++] = i;
	}
	if (n == 0)
		return;
	at = cand[rng_below(r, n)] + 1 + rng_below(r, 2);
	switch (rng_below(r, 3))
	{
		case 0:					/* swap two letters */
			{
				char		c = s->data[at];

				s->data[at] = s->data[at + 1];
				s->data[at + 1] = c;
			}
			break;
		case 1:					/* drop a letter */
			memmove(s->data + at, s->data + at + 1, s->len - at);
			s->len--;
			break;
		default:				/* double a letter */
			enlargeStringInfo(s, 1);
			memmove(s->data + at + 1, s->data + at, s->len - at + 1);
			s->len++;
			break;
	}
}

/* Roughen a body like real user text (text-speak, accents, capitals...). */
static void
roughen(DemoGen *g, Rng *r, const Msg *m)
{
	StringInfo	s = &g->body;

	if (m->lang == LANG_FR)
	{
		if (rng_chance(r, 0.15))
			substitute(g, r, fr_sms, lengthof(fr_sms), 0.8, false);
		if (rng_chance(r, 0.15))
			drop_accents(s);
	}
	else if (rng_chance(r, 0.10))
		substitute(g, r, en_sms, lengthof(en_sms), 0.8, false);
	if (m->kind != K_NEWS && m->kind != K_JOB)
	{
		if (rng_chance(r, 0.10))
			stretch(g, r);
		if (rng_chance(r, m->intent == I_NEG ? 0.12 : 0.04))
			shout(s, r);
		if (rng_chance(r, 0.07))
			typo(s, r);
	}
	/* Capitalise the first letter more often than not. */
	if (s->len > 0 && s->data[0] >= 'a' && s->data[0] <= 'z' && rng_chance(r, 0.55))
		s->data[0] -= 32;
}

/* Reach: log-normal around a few hundred with a Pareto tail; likes follow. */
static void
draw_audience(Rng *r, Msg *m)
{
	double		reach,
				rate;

	if (m->kind == K_SPAM)
		reach = exp(3.0 + 1.0 * rng_normal(r));
	else if (m->kind == K_NEWS)
		reach = exp(9.5 + 1.2 * rng_normal(r));
	else
		reach = exp(5.9 + 1.0 * rng_normal(r));
	if (rng_chance(r, 0.01))
		reach = 100000.0 * pow(1.0 - rng_unit(r), -1.0 / 1.3);
	reach = Min(reach, 50000000.0);
	m->reach = (int32) Max(reach, 1.0);
	rate = exp(log(m->kind == K_SPAM ? 0.002 : 0.02) + 0.8 * rng_normal(r));
	if (m->intent == I_POS)
		rate *= 1.3;
	m->likes = (int32) Min(m->reach * Min(rate, 1.0), (double) m->reach);
}

/* A timestamp of the day following the daily activity curve. */
static TimestampTz
draw_time(Rng *r, const DemoGen *g)
{
	int			h = rng_weighted(r, hour_weight, 24);

	return g->day_start + (int64) h * USECS_PER_HOUR +
		(int64) rng_below(r, 3600) * USECS_PER_SEC + rng_below(r, 1000) * 1000;
}

/* The author: a brand account for news, a bot for spam, else a person. */
static void
draw_author(StringInfo s, Rng *r, const Msg *m)
{
	resetStringInfo(s);
	if (m->kind == K_NEWS && m->brand >= 0)
		appendStringInfoString(s, brands[m->brand].handle);
	else if (m->kind == K_JOB && m->brand >= 0 && rng_chance(r, 0.5))
		appendStringInfo(s, "%s_jobs", brands[m->brand].handle);
	else if (m->kind == K_SPAM)
		appendStringInfo(s, "%s_%s%d", PICK(r, bot_words), PICK(r, bot_words), 1000 + rng_below(r, 9000));
	else
		append_handle(s, r);
}

/* Is row i the head of its block's bot flood, or a copy of it?  Returns the head id or 0. */
static int64
flood_head(const DemoGen *g, int64 i, int *len)
{
	int64		block = (i - 1) / FLOOD_BLOCK;
	uint64		h = hash3(g->key, block, SALT_FLOOD);
	int64		head;

	if ((int) (h % 1000) >= FLOOD_PERMILLE)
		return 0;
	head = block * FLOOD_BLOCK + 1 + (int64) ((h >> 10) % (FLOOD_BLOCK - 40));
	*len = 10 + (int) ((h >> 30) % 21);
	return head;
}

/* Is row i a planted duplicate (flood copy, retweet or copy)? */
static bool
is_dup(const DemoGen *g, int64 i)
{
	int			len;
	int64		head = flood_head(g, i, &len);

	if (head && i > head && i <= head + len)
		return true;
	if (head == i || i == 1)
		return false;
	return hash3(g->key, i, SALT_DUP) % 100000 < DUP_PER_100K;
}

/* A message about a brand names it; spam that names none has no brand. */
static void
ensure_brand(DemoGen *g, Rng *r, Msg *m)
{
	StringInfo	s = &g->body;
	const Brand *b = &brands[m->brand];

	if (strstr(s->data, b->name) || strstr(s->data, b->tag) || strstr(s->data, b->handle))
		return;
	if (m->kind == K_SPAM)
	{
		m->brand = m->sector = -1;
		return;
	}
	switch (rng_below(r, 3))
	{
		case 0:
			{
				StringInfoData t = *s;

				/* Prefix "Brand : " (French spacing) or "Brand: ". */
				resetStringInfo(&g->scratch);
				appendStringInfo(&g->scratch, m->lang == LANG_FR ? "%s : %s" : "%s: %s", b->name, s->data);
				*s = g->scratch;
				g->scratch = t;
			}
			break;
		case 1:
			appendStringInfo(s, " @%s", b->handle);
			break;
		default:
			appendStringInfo(s, " %s", b->tag);
			break;
	}
}

/* Generate row i as it is when it is not a duplicate. */
static void
gen_base(DemoGen *g, int64 i, Msg *m)
{
	static const int kind_w[] = {55, 10, 5, 10, 5, 15};
	static const int channel_w[6][4] = {
		{35, 25, 20, 20}, {40, 15, 35, 10}, {40, 30, 30, 0},
		{45, 30, 25, 0}, {50, 5, 45, 0}, {45, 35, 20, 0},
	};
	Rng			r;
	StringInfo	s = &g->body;
	const LangPack *lp;
	int			len;

	rng_seed(&r, hash3(g->key, i, SALT_ROW));
	memset(m, 0, sizeof(*m));
	m->lang = rng_chance(&r, 0.6) ? LANG_FR : LANG_EN;
	lp = &packs[m->lang];
	m->kind = rng_weighted(&r, kind_w, 6);
	if (flood_head(g, i, &len) == i)
		m->kind = K_SPAM;
	m->channel = rng_weighted(&r, channel_w[m->kind], 4);
	m->intent = I_NEU;
	if (m->kind == K_CHATTER)
	{
		m->brand = m->sector = -1;
	}
	else
	{
		m->sector = rng_below(&r, 3);
		m->brand = m->sector * 8 + rng_below(&r, 8);
		m->rival = m->sector * 8 + (m->brand % 8 + 1 + rng_below(&r, 7)) % 8;
		m->product = lineup[m->brand][rng_below(&r, 4)];
	}
	resetStringInfo(s);
	switch (m->kind)
	{
		case K_OPINION:
			build_opinion(s, &r, m);
			break;
		case K_QUESTION:
			m->intent = expand_marked(s, &r, m, pick(&r, &lp->question));
			break;
		case K_NEWS:
			m->intent = expand_marked(s, &r, m, pick(&r, &lp->news));
			break;
		case K_SPAM:
			m->intent = expand_marked(s, &r, m, pick(&r, &lp->spam));
			break;
		case K_JOB:
			m->intent = expand_marked(s, &r, m, pick(&r, &lp->job));
			break;
		default:
			m->intent = expand_marked(s, &r, m, pick(&r, &lp->chatter));
			break;
	}
	if (m->brand >= 0)
		ensure_brand(g, &r, m);
	roughen(g, &r, m);
	if (m->kind == K_OPINION || m->kind == K_CHATTER || m->kind == K_QUESTION)
	{
		if (m->channel != CH_REVIEWS && rng_chance(&r, 0.5))
			append_emoji(s, &r, m->intent);
		append_hashtags(s, &r, m);
	}
	else if (m->kind != K_JOB)
		append_hashtags(s, &r, m);
	if (m->channel == CH_REVIEWS && m->kind == K_OPINION && rng_chance(&r, 0.4))
	{
		int			stars = m->intent == I_POS ? 4 + rng_below(&r, 2) :
		m->intent == I_NEG ? 1 + rng_below(&r, 2) : 3;

		appendStringInfo(s, m->lang == LANG_FR ? " Note : %d/5" : " Rating: %d/5", stars);
	}
	m->ts = draw_time(&r, g);
	draw_author(&g->author, &r, m);
	draw_audience(&r, m);
}

/* Change one small thing in a copied body: emoji, hashtag, punctuation or a word. */
static void
vary(DemoGen *g, Rng *r, const Msg *m)
{
	StringInfo	s = &g->body;

	switch (rng_below(r, 5))
	{
		case 0:
			append_emoji(s, r, m->intent);
			break;
		case 4:
			{
				StringInfoData t = *s;

				/* Tag someone in front. */
				resetStringInfo(&g->scratch);
				appendStringInfoChar(&g->scratch, '@');
				append_handle(&g->scratch, r);
				appendStringInfo(&g->scratch, " %s", s->data);
				*s = g->scratch;
				g->scratch = t;
			}
			break;
		case 1:
			appendStringInfoChar(s, ' ');
			appendStringInfoString(s, m->brand >= 0 && rng_chance(r, 0.5) ? brands[m->brand].tag :
								   pick(r, m->intent == I_POS ? &packs[m->lang].hash_pos :
										m->intent == I_NEG ? &packs[m->lang].hash_neg : &packs[m->lang].hash_neu));
			break;
		case 2:
			{
				/* Punctuation, spaced off a trailing hashtag, mention or URL. */
				const char *last = strrchr(s->data, ' ');

				last = last ? last + 1 : s->data;
				if (is_special_word(last))
					appendStringInfoChar(s, ' ');
				appendStringInfoString(s, rng_chance(r, 0.5) ? "!!" : "...");
			}
			break;
		default:
			{
				int			before = s->len;

				substitute(g, r, swaps, lengthof(swaps), 1.0, true);
				if (s->len == before)
					appendStringInfoString(s, " !");
			}
			break;
	}
}

/* Generate row i, duplicates included, into m and the DemoGen buffers. */
static void
gen_row(DemoGen *g, int64 i, Msg *m)
{
	int			len;
	int64		head = flood_head(g, i, &len);
	int64		orig = 0;
	Rng			r;

	if (head && i > head && i <= head + len)
		orig = head;
	else if (is_dup(g, i))
	{
		uint64		h = hash3(g->key, i, SALT_VARIANT);

		/* Mostly recent rows, sometimes older ones. */
		orig = i - 1 - (int64) (h % (h & 1 ? 200 : 5000));
		while (orig >= 1 && is_dup(g, orig))
			orig--;
		if (orig < 1)
			orig = 0;
	}
	if (orig == 0)
	{
		gen_base(g, i, m);
		return;
	}

	gen_base(g, orig, m);
	rng_seed(&r, hash3(g->key, i, SALT_DUP));
	m->dup_of = orig;
	if (orig == head)
	{
		/* Bot flood: same spam, seconds apart, tiny variations. */
		m->ts += (i - head) * (2 + rng_below(&r, 20)) * USECS_PER_SEC;
		if (rng_chance(&r, 0.6))
			vary(g, &r, m);
		if (rng_chance(&r, 0.5))
			appendStringInfo(&g->body, " %d", rng_below(&r, 1000));
		draw_author(&g->author, &r, m);
	}
	else
	{
		m->ts += (int64) rng_below(&r, 7200) * USECS_PER_SEC;
		if (m->kind != K_SPAM && rng_chance(&r, 0.5))
		{
			/* Retweet. */
			resetStringInfo(&g->tmp);
			appendStringInfo(&g->tmp, "RT @%s: %s", g->author.data, g->body.data);
			resetStringInfo(&g->body);
			appendBinaryStringInfo(&g->body, g->tmp.data, g->tmp.len);
			m->channel = CH_TWITTER;
		}
		else
			vary(g, &r, m);
		if (m->channel == CH_REVIEWS)
			m->channel = CH_FACEBOOK;
		resetStringInfo(&g->author);
		append_handle(&g->author, &r);
	}
	/* Copies come after their original, but on the same day. */
	m->ts = Min(m->ts, g->day_start + USECS_PER_DAY - 1);
	draw_audience(&r, m);
}

/* clientele.demo_messages(n, seed, day): the demo corpus, one row per call. */
Datum
clientele_demo_messages(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	DemoGen    *g;

	if (SRF_IS_FIRSTCALL())
	{
		int32		n = PG_GETARG_INT32(0);
		int32		seed = PG_GETARG_INT32(1);
		DateADT		day = PG_GETARG_DATEADT(2);
		MemoryContext old;
		TupleDesc	tupdesc;

		if (n < 0 || n > DEMO_MAX_ROWS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("demo corpus size %d is out of range", n),
					 errhint("Ask for between 0 and %d messages.", DEMO_MAX_ROWS)));
		if (DATE_NOT_FINITE(day) ||
			!IS_VALID_TIMESTAMP((int64) day * USECS_PER_DAY) ||
			!IS_VALID_TIMESTAMP((int64) (day + 1) * USECS_PER_DAY))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("demo corpus day is out of range"),
					 errhint("Give a finite date within the range of timestamps.")));

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("demo_messages must be called in a context that accepts a record")));
		funcctx->tuple_desc = BlessTupleDesc(tupdesc);
		funcctx->max_calls = n;
		g = palloc0(sizeof(DemoGen));
		g->key = mix64((uint64) (uint32) seed ^ UINT64CONST(0x5851F42D4C957F2D));
		g->day_start = (TimestampTz) day * USECS_PER_DAY;
		initStringInfo(&g->body);
		initStringInfo(&g->scratch);
		initStringInfo(&g->author);
		initStringInfo(&g->tmp);
		g->row_ctx = AllocSetContextCreate(funcctx->multi_call_memory_ctx,
										   "demo_messages row", ALLOCSET_SMALL_SIZES);
		funcctx->user_fctx = g;
		MemoryContextSwitchTo(old);
	}

	funcctx = SRF_PERCALL_SETUP();
	g = funcctx->user_fctx;
	if (funcctx->call_cntr < funcctx->max_calls)
	{
		int64		id = (int64) funcctx->call_cntr + 1;
		Msg			m;
		Datum		values[13];
		bool		nulls[13];
		HeapTuple	tuple;
		MemoryContext old;

		MemoryContextReset(g->row_ctx);
		gen_row(g, id, &m);
		old = MemoryContextSwitchTo(g->row_ctx);
		memset(nulls, 0, sizeof(nulls));
		values[0] = Int64GetDatum(id);
		values[1] = TimestampTzGetDatum(m.ts);
		values[2] = CStringGetTextDatum(channel_names[m.channel]);
		values[3] = PointerGetDatum(tc_utf8_to_text_lossy(g->author.data, g->author.len, NULL));
		if (m.brand >= 0)
		{
			values[4] = CStringGetTextDatum(brands[m.brand].name);
			values[5] = CStringGetTextDatum(sector_names[m.sector]);
		}
		else
			nulls[4] = nulls[5] = true;
		values[6] = CStringGetTextDatum(lang_names[m.lang]);
		values[7] = PointerGetDatum(tc_utf8_to_text_lossy(g->body.data, g->body.len, NULL));
		values[8] = Int32GetDatum(m.reach);
		values[9] = Int32GetDatum(m.likes);
		values[10] = CStringGetTextDatum(kind_names[m.kind]);
		if (m.dup_of)
			values[11] = Int64GetDatum(m.dup_of);
		else
			nulls[11] = true;
		values[12] = CStringGetTextDatum(intent_names[m.intent]);
		tuple = heap_form_tuple(funcctx->tuple_desc, values, nulls);
		MemoryContextSwitchTo(old);
		SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(tuple));
	}
	SRF_RETURN_DONE(funcctx);
}
