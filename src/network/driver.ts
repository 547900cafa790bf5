/**
 * The one way the gateway reaches the network to test a prestation. The simulator implements it
 * now; a real driver (element managers, OSS) can replace it later without touching the service.
 */
export type TestType = 'ETAT_SERVICE' | 'ETAT_LIGNE_OPTIQUE' | 'ETAT_SESSION' | 'REINIT_PORT' | 'TRAVAUX_INCIDENTS';

export type Verdict = 'OK' | 'KO';
/** Where the fault probably is (e-SAV Test): operator side, provider network, customer premises. */
export type Origin = 'RESEAU_OPERATEUR' | 'RESEAU_FOURNISSEUR' | 'INSTALLATION_CLIENT' | 'INDETERMINEE';

export interface Measure {
  name: string;
  value: string;
  unit?: string;
  at: Date;
}

export interface NetworkTestRequest {
  testId: string;
  prestationId: string;
  offerCode: string;
  testType: TestType;
}

export interface NetworkTestResult {
  measures: Measure[];
  verdict: Verdict;
  origin?: Origin;
}

/** The element under test failed or did not answer: the test ends in ECHEC with this code. */
export class NetworkError extends Error {
  constructor(
    readonly code: 'DELAI_DEPASSE' | 'ERREUR_EQUIPEMENT' | 'EQUIPEMENT_INJOIGNABLE',
    message: string,
  ) {
    super(message);
  }
}

export interface NetworkDriver {
  /** Runs one test; rejects with NetworkError when the element fails; honours the abort signal. */
  run(req: NetworkTestRequest, signal: AbortSignal): Promise<NetworkTestResult>;
}
