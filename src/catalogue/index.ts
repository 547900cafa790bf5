export {
  CATALOGUE_DIR,
  CatalogueError,
  CatalogueRegistry,
  loadCatalogues,
  loadCatalogueVersion,
  MAX_LIVE_CATALOGUES,
  NOMENCLATURE_FILE,
  NOMENCLATURE_NS,
  type CatalogueVersion,
  type FieldSpec,
  type FormSpec,
} from './registry.js';
export { formForOffer, validateForm, validateFormDocument, type ValidatedForm } from './validate.js';
