// Countries by ISO alpha-2 code or English name, as models and people write them ("BE",
// "belgium"): one code and one name, or nothing. Read by vendors that want a full name (one
// derives VAT from it) and by the cross-vendor comparison.

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

// Codes ICU names that are not countries one can be billed in (unions, placeholders, regions
// with their own code only for ICU) or that are retired aliases of another code.
const NOT_COUNTRIES = new Set([
  'AC',
  'AN',
  'BU',
  'CP',
  'CQ',
  'CS',
  'DD',
  'DG',
  'DY',
  'EA',
  'EU',
  'EZ',
  'FX',
  'HV',
  'IC',
  'NH',
  'QO',
  'RH',
  'SU',
  'TA',
  'TP',
  'UN',
  'VD',
  'XA',
  'XB',
  'YD',
  'YU',
  'ZR',
  'ZZ',
]);

// Common spellings that ICU does not use (older or formal names), written as people write them.
const EXTRA_NAMES: Record<string, string> = {
  Turkey: 'TR',
  'Czech Republic': 'CZ',
  'Ivory Coast': 'CI',
  Burma: 'MM',
  Swaziland: 'SZ',
  Macedonia: 'MK',
  Vatican: 'VA',
  'Republic of Korea': 'KR',
  'Russian Federation': 'RU',
  'Viet Nam': 'VN',
  'United States of America': 'US',
  USA: 'US',
  'Great Britain': 'GB',
};

export interface ResolvedCountry {
  /** What is sent as `country`. */
  name: string;
  code: string;
  /** True when the input was a code and we chose the name. */
  translated: boolean;
}

interface Known {
  code: string;
  /** The spelling this key came from, used when only the case differs. */
  spelling: string;
}

let table: { byCode: Map<string, string>; byKey: Map<string, Known> } | undefined;

/** Comparable form of a name: case, accents, `&`/`and`, `St.`/`Saint` and punctuation ignored. */
export function nameKey(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/\bst\.?(?=\s)/g, 'saint')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

function buildTable(): NonNullable<typeof table> {
  const long = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  const short = new Intl.DisplayNames(['en'], { type: 'region', style: 'short', fallback: 'none' });
  const byCode = new Map<string, string>();
  const byKey = new Map<string, Known>();
  const add = (spelling: string, code: string) => {
    const key = nameKey(spelling);
    if (!byKey.has(key)) byKey.set(key, { code, spelling });
  };
  for (const a of LETTERS) {
    for (const b of LETTERS) {
      const code = a + b;
      const name = long.of(code);
      if (!name || name === code || NOT_COUNTRIES.has(code)) continue;
      byCode.set(code, name);
      // UK is a retired alias of GB that people still type; it names the same country.
      const canonical = code === 'UK' ? 'GB' : code;
      add(name, canonical);
      const brief = short.of(code);
      if (brief && brief.length > 2) add(brief, canonical);
    }
  }
  for (const [name, code] of Object.entries(EXTRA_NAMES)) add(name, code);
  return { byCode, byKey };
}

/** The name to send for `input`, or undefined when it is neither a known code nor a known name. */
export function resolveCountry(input: string): ResolvedCountry | undefined {
  table ??= buildTable();
  const text = input.trim().replace(/\s+/g, ' ');
  if (/^[A-Za-z]{2}$/.test(text)) {
    const code = text.toUpperCase();
    const name = table.byCode.get(code);
    return name ? { name, code: code === 'UK' ? 'GB' : code, translated: true } : undefined;
  }
  const known = table.byKey.get(nameKey(text));
  if (!known) return undefined;
  // A name that differs only in case gets the usual capitals; any other recognised spelling
  // is sent as written: ICU's spelling may differ from the vendor's list, and what the person
  // approved is what gets sent.
  const name = text.toLowerCase() === known.spelling.toLowerCase() ? known.spelling : text;
  return { name, code: known.code, translated: false };
}

// ISO 3166-1 alpha-2 then alpha-3 of every country (from the standard's list, as Debian's
// iso-codes ships it): Intl knows no alpha-3 codes, and vendors such as Proxy-Seller answer them.
const ALPHA3 = [
  'ADAND AEARE AFAFG AGATG AIAIA ALALB AMARM AOAGO AQATA ARARG ASASM ATAUT AUAUS AWABW AXALA AZAZE BABIH BBBRB BDBGD BEBEL',
  'BFBFA BGBGR BHBHR BIBDI BJBEN BLBLM BMBMU BNBRN BOBOL BQBES BRBRA BSBHS BTBTN BVBVT BWBWA BYBLR BZBLZ CACAN CCCCK CDCOD',
  'CFCAF CGCOG CHCHE CICIV CKCOK CLCHL CMCMR CNCHN COCOL CRCRI CUCUB CVCPV CWCUW CXCXR CYCYP CZCZE DEDEU DJDJI DKDNK DMDMA',
  'DODOM DZDZA ECECU EEEST EGEGY EHESH ERERI ESESP ETETH FIFIN FJFJI FKFLK FMFSM FOFRO FRFRA GAGAB GBGBR GDGRD GEGEO GFGUF',
  'GGGGY GHGHA GIGIB GLGRL GMGMB GNGIN GPGLP GQGNQ GRGRC GSSGS GTGTM GUGUM GWGNB GYGUY HKHKG HMHMD HNHND HRHRV HTHTI HUHUN',
  'IDIDN IEIRL ILISR IMIMN ININD IOIOT IQIRQ IRIRN ISISL ITITA JEJEY JMJAM JOJOR JPJPN KEKEN KGKGZ KHKHM KIKIR KMCOM KNKNA',
  'KPPRK KRKOR KWKWT KYCYM KZKAZ LALAO LBLBN LCLCA LILIE LKLKA LRLBR LSLSO LTLTU LULUX LVLVA LYLBY MAMAR MCMCO MDMDA MEMNE',
  'MFMAF MGMDG MHMHL MKMKD MLMLI MMMMR MNMNG MOMAC MPMNP MQMTQ MRMRT MSMSR MTMLT MUMUS MVMDV MWMWI MXMEX MYMYS MZMOZ NANAM',
  'NCNCL NENER NFNFK NGNGA NINIC NLNLD NONOR NPNPL NRNRU NUNIU NZNZL OMOMN PAPAN PEPER PFPYF PGPNG PHPHL PKPAK PLPOL PMSPM',
  'PNPCN PRPRI PSPSE PTPRT PWPLW PYPRY QAQAT REREU ROROU RSSRB RURUS RWRWA SASAU SBSLB SCSYC SDSDN SESWE SGSGP SHSHN SISVN',
  'SJSJM SKSVK SLSLE SMSMR SNSEN SOSOM SRSUR SSSSD STSTP SVSLV SXSXM SYSYR SZSWZ TCTCA TDTCD TFATF TGTGO THTHA TJTJK TKTKL',
  'TLTLS TMTKM TNTUN TOTON TRTUR TTTTO TVTUV TWTWN TZTZA UAUKR UGUGA UMUMI USUSA UYURY UZUZB VAVAT VCVCT VEVEN VGVGB VIVIR',
  'VNVNM VUVUT WFWLF WSWSM YEYEM YTMYT ZAZAF ZMZMB ZWZWE',
].join(' ');

let byAlpha3: Map<string, string> | undefined;

/**
 * The ISO 3166-1 alpha-2 code of a vendor's country, written as an alpha-2 or alpha-3 code or an
 * English name ("US", "USA", "United States"); undefined when it is none of these.
 */
export function alpha2Of(value: string | null | undefined): string | undefined {
  const text = value?.trim() ?? '';
  if (/^[A-Za-z]{3}$/.test(text)) {
    byAlpha3 ??= new Map(ALPHA3.split(' ').map((pair) => [pair.slice(2), pair.slice(0, 2)]));
    const code = byAlpha3.get(text.toUpperCase());
    if (code) return code;
  }
  return text ? resolveCountry(text)?.code : undefined;
}
